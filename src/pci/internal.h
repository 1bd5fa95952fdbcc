/* SPDX-License-Identifier: GPL-2.0 */
/*
 * internal.h - what pci.c shares with pci_state.c, nobody else.
 */
#ifndef CVISOR_PCI_INTERNAL_H
#define CVISOR_PCI_INTERNAL_H

#include "pci/pci.h"

/* Re-decode every BAR from config space; bus->lock held. */
void pci_bars_update(struct pci_dev *dev);
/* MSI-X enable/function mask from config space; bus->lock held. */
void pci_msix_control_written(struct pci_dev *dev);
/* INTx disable bit changed (takes irq_lock). */
void pci_intx_set_disabled(struct pci_dev *dev, bool disabled);

#endif
