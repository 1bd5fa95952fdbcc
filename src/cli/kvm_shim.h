/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CVISOR_CLI_KVM_SHIM_H
#define CVISOR_CLI_KVM_SHIM_H

/* cvisor kvm-shim [--] PROGRAM ARGS...: returns only on failure. */
int cmd_kvm_shim(int argc, char **argv);

#endif
