package structs

// The DragonFly 2020 layout: master @f875a8eec7 (2020-07-24,
// "5.9-DEVELOPMENT"), spec/formats.md §10.1–§10.15 and §14.1, "(computed
// 2020)"; the members listed are those libkvm's kvm_proclist and
// fill_kinfo_proc/fill_kinfo_lwp read (§9.4) plus the argument cache
// (§10.13), the process-list buckets (§10.14), pcb_cr3 (§10.15) and the
// message buffer (§14.1). Offsets not printed in the spec but implied by it
// (members of struct rusage, timeval, rtprio and sigset_t, LIST_ENTRY and
// RB_ENTRY members, sizeof struct pmap from §19.4) are included where a
// decoder needs them. TestProfilesMatchDWARF proves every entry equal to the
// DWARF of testdata/kernels/kern-dfly2020.

var profileDF2020 = &Profile{
	Name:    "dragonfly-2020",
	Aliases: []string{"dragonfly-5.9", "dfly2020"},
	Description: "DragonFly BSD master 2020-07 (5.9-DEVELOPMENT built before 2020-11-13), " +
		"spec/formats.md §10 and §14.1 (computed 2020); procglob[] process list, p_lwp_tree LWPs",
	table: df2020Table(14848),
}

var profileDF58 = &Profile{
	Name:    "dragonfly-5.8",
	Aliases: []string{"dragonfly-5.8-release"},
	Description: "DragonFly BSD 5.8.x releases (branch point 9ba65fc385, 2020-02-15): the 2020 layout " +
		"except sizeof(struct globaldata) 14784 (spec/formats.md §19.1)",
	table: df2020Table(14784),
}

// df2020Table returns the 2020 table; only sizeof(struct globaldata)
// differs between 5.8 and master 2020-07.
func df2020Table(globaldataSize int64) []pstruct {
	return []pstruct{
		{"proc", KindStruct, 1312, []pfield{ // §10.1
			{"p_list", 0, 16, "struct"},
			{"p_list.le_next", 0, 8, "*struct proc"},
			{"p_list.le_prev", 8, 8, "*pointer"},
			{"p_ucred", 16, 8, "*struct ucred"},
			{"p_fd", 24, 8, "*struct filedesc"},
			{"p_sigacts", 72, 8, "*struct sigacts"},
			{"p_flags", 80, 4, "int"},
			{"p_stat", 84, 4, "enum procstat:uint"},
			{"p_pid", 92, 4, "int"},
			{"p_ppid", 96, 4, "int"},
			{"p_pptr", 120, 8, "*struct proc"},
			{"p_oppid", 360, 4, "int"},
			{"p_vmspace", 368, 8, "*struct vmspace"},
			{"p_swtime", 376, 4, "uint"},
			{"p_traceflag", 512, 4, "int"},
			{"p_siglist", 528, 16, "struct __sigset"},
			{"p_start", 608, 16, "struct timeval"},
			{"p_start.tv_sec", 608, 8, "int"},
			{"p_start.tv_usec", 616, 8, "int"},
			{"p_ru", 624, 144, "struct rusage"},
			{"p_cru", 768, 144, "struct rusage"},
			{"p_comm", 920, 17, "[17]int(1)"},
			{"p_nice", 938, 1, "int"},
			{"p_pgrp", 944, 8, "*struct pgrp"},
			{"p_args", 1016, 8, "*struct pargs"},
			{"p_xstat", 1024, 2, "uint"},
			{"p_acflag", 1040, 2, "uint"},
			{"p_lock", 1044, 4, "int"},
			{"p_nthreads", 1048, 4, "int"},
			{"p_lwp_tree", 1064, 24, "struct lwp_rb_tree"},
			{"p_lwp_tree.rbh_root", 1064, 8, "*struct lwp"},
		}},
		{"lwp", KindStruct, 608, []pfield{ // §10.2
			{"lwp_procq", 0, 16, "struct"},
			{"u", 16, 32, "union"},
			{"u.lwp_rbnode", 16, 32, "struct"},
			{"u.lwp_rbnode.rbe_left", 16, 8, "*struct lwp"},
			{"u.lwp_rbnode.rbe_right", 24, 8, "*struct lwp"},
			{"u.lwp_rbnode.rbe_parent", 32, 8, "*struct lwp"},
			{"u.lwp_rbnode.rbe_color", 40, 4, "int"},
			{"lwp_proc", 48, 8, "*struct proc"},
			{"lwp_tid", 72, 4, "int"},
			{"lwp_flags", 76, 4, "uint"},
			{"lwp_mpflags", 80, 4, "uint"},
			{"lwp_stat", 84, 4, "enum lwpstat:uint"},
			{"lwp_lock", 88, 4, "int"},
			{"lwp_cpticks", 112, 8, "int"},
			{"lwp_pctcpu", 120, 4, "uint"},
			{"lwp_slptime", 124, 4, "uint"},
			{"lwp_ru", 136, 144, "struct rusage"},
			{"lwp_usdata", 280, 24, "union usched_data"},
			{"lwp_usdata.bsd4", 280, 20, "struct"},
			{"lwp_usdata.bsd4.priority", 280, 2, "int"},
			{"lwp_usdata.bsd4.batch", 284, 4, "int"},
			{"lwp_usdata.bsd4.estcpu", 288, 4, "int"},
			{"lwp_siglist", 336, 16, "struct __sigset"},
			{"lwp_sigmask", 368, 16, "struct __sigset"},
			{"lwp_rtprio", 408, 4, "struct rtprio"},
			{"lwp_thread", 424, 8, "*struct thread"},
		}},
		{"thread", KindStruct, 1600, []pfield{ // §10.3
			{"td_lwp", 160, 8, "*struct lwp"},
			{"td_proc", 168, 8, "*struct proc"},
			{"td_gd", 184, 8, "*struct globaldata"},
			{"td_wmesg", 192, 8, "*int"},
			{"td_wchan", 200, 8, "*void"},
			{"td_pri", 208, 4, "int"},
			{"td_flags", 216, 4, "uint"},
			{"td_uticks", 272, 8, "uint"},
			{"td_sticks", 280, 8, "uint"},
			{"td_iticks", 288, 8, "uint"},
			{"td_start", 392, 16, "struct timeval"},
			{"td_comm", 408, 17, "[17]int(1)"},
		}},
		{"globaldata", KindStruct, globaldataSize, []pfield{ // §10.4
			{"gd_cpuid", 72, 4, "uint"},
		}},
		{"pgrp", KindStruct, 120, []pfield{ // §10.5
			{"pg_list", 0, 16, "struct"},
			{"pg_members", 16, 8, "struct proclist"},
			{"pg_members.lh_first", 16, 8, "*struct proc"},
			{"pg_session", 24, 8, "*struct session"},
			{"pg_id", 40, 4, "int"},
			{"pg_jobc", 44, 4, "int"},
		}},
		{"session", KindStruct, 104, []pfield{ // §10.6
			{"s_list", 0, 16, "struct"},
			{"s_count", 16, 4, "int"},
			{"s_prg", 24, 8, "*struct procglob"},
			{"s_leader", 32, 8, "*struct proc"},
			{"s_ttyvp", 40, 8, "*struct vnode"},
			{"s_ttyp", 48, 8, "*struct tty"},
			{"s_sid", 56, 4, "int"},
			{"s_login", 60, 40, "[40]int(1)"},
		}},
		{"tty", KindStruct, 376, []pfield{ // §10.7
			{"t_dev", 136, 8, "*struct cdev"},
			{"t_pgrp", 160, 8, "*struct pgrp"},
			{"t_session", 168, 8, "*struct session"},
		}},
		{"cdev", KindStruct, 320, []pfield{ // §10.8
			{"si_uminor", 48, 4, "int"},
			{"si_umajor", 52, 4, "int"},
			{"si_name", 88, 64, "[64]int(1)"},
		}},
		{"ucred", KindStruct, 192, []pfield{ // §10.9
			{"cr_ref", 0, 8, "int"}, // inside the anonymous __cachealign member
			{"cr_uid", 64, 4, "uint"},
			{"cr_ngroups", 68, 2, "int"},
			{"cr_groups", 72, 64, "[16]uint(4)"},
			{"cr_prison", 152, 8, "*struct prison"},
			{"cr_ruid", 160, 4, "uint"},
			{"cr_svuid", 164, 4, "uint"},
			{"cr_rgid", 168, 4, "uint"},
			{"cr_svgid", 172, 4, "uint"},
		}},
		{"prison", KindStruct, 0, []pfield{ // §10.10 (sizeof not given)
			{"pr_id", 16, 4, "int"},
		}},
		{"vmspace", KindStruct, 1496, []pfield{ // §10.11
			{"vm_map.size", 80, 8, "uint"},
			{"vm_pmap", 288, 1096, "struct pmap"}, // sizeof(struct pmap) 1096: §19.4
			{"vm_pmap.pm_stats.resident_count", 408, 8, "int"},
			{"vm_swrss", 1408, 8, "int"},
			{"vm_tsize", 1416, 8, "int"},
			{"vm_dsize", 1424, 8, "int"},
			{"vm_ssize", 1432, 8, "int"},
		}},
		{"sigacts", KindStruct, 4232, []pfield{ // §10.12
			{"ps_sigignore", 4096, 16, "struct __sigset"},
			{"ps_sigcatch", 4112, 16, "struct __sigset"},
			{"ps_flag", 4228, 4, "int"},
		}},
		{"pargs", KindStruct, 8, []pfield{ // §10.13
			{"ar_ref", 0, 4, "uint"},
			{"ar_length", 4, 4, "uint"},
			{"ar_args", 8, 0, "[]uint(1)"},
		}},
		{"procglob", KindStruct, 64, []pfield{ // §10.14
			{"proc_token", 0, 32, "struct lwkt_token"},
			{"allproc", 32, 8, "struct proclist"},
			{"allproc.lh_first", 32, 8, "*struct proc"},
			{"allpgrp", 40, 8, "struct pgrplist"},
			{"allsess", 48, 8, "struct sesslist"},
		}},
		{"pcb", KindStruct, 0, []pfield{ // §10.15 (sizeof not given)
			{"pcb_cr3", 64, 8, "int"},
		}},
		{"msgbuf", KindStruct, 32, []pfield{ // §14.1
			{"msg_magic", 0, 4, "uint"},
			{"msg_size", 4, 4, "uint"},
			{"msg_bufx", 8, 4, "uint"},
			{"msg_bufr", 12, 4, "uint"},
			{"msg_ptr", 16, 8, "*int"},
			{"msg_bufl", 24, 4, "uint"},
			{"msg_unused01", 28, 4, "uint"},
		}},
		// Building blocks (spec §10 "basic sizes").
		{"timeval", KindStruct, 16, []pfield{
			{"tv_sec", 0, 8, "int"},
			{"tv_usec", 8, 8, "int"},
		}},
		{"rusage", KindStruct, 144, []pfield{
			{"ru_utime", 0, 16, "struct timeval"},
			{"ru_utime.tv_sec", 0, 8, "int"},
			{"ru_utime.tv_usec", 8, 8, "int"},
			{"ru_stime", 16, 16, "struct timeval"},
			{"ru_stime.tv_sec", 16, 8, "int"},
			{"ru_stime.tv_usec", 24, 8, "int"},
			{"ru_maxrss", 32, 8, "int"},
			{"ru_ixrss", 40, 8, "int"},
			{"ru_idrss", 48, 8, "int"},
			{"ru_isrss", 56, 8, "int"},
			{"ru_minflt", 64, 8, "int"},
			{"ru_majflt", 72, 8, "int"},
			{"ru_nswap", 80, 8, "int"},
			{"ru_inblock", 88, 8, "int"},
			{"ru_oublock", 96, 8, "int"},
			{"ru_msgsnd", 104, 8, "int"},
			{"ru_msgrcv", 112, 8, "int"},
			{"ru_nsignals", 120, 8, "int"},
			{"ru_nvcsw", 128, 8, "int"},
			{"ru_nivcsw", 136, 8, "int"},
		}},
		{"rtprio", KindStruct, 4, []pfield{
			{"type", 0, 2, "uint"},
			{"prio", 2, 2, "uint"},
		}},
		{"__sigset", KindStruct, 16, []pfield{
			{"__bits", 0, 16, "[4]uint(4)"},
		}},
	}
}
