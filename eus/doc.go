// Package eus plans EUS-to-EUS updates of OpenShift with OpenShift
// Virtualization: from an Extended Update Support minor (every even minor
// from 4.6 to 4.22) to the next one, through the odd minor between them,
// with the worker pools paused so workers reboot once.
//
// [Plan] returns an update.Plan in the documented order, which update.Run
// runs with a durable checkpoint:
//
//  1. pre-flight checks;
//  2. pause the worker machine config pools;
//  3. back up workloadUpdateMethods and set it to [];
//  4. wait for HCO Upgradeable=True;
//  5. OpenShift to the odd minor;
//  6. OpenShift Virtualization to the newest z of the odd minor (approving
//     the InstallPlan if Manual), confirming status.versions;
//  7. wait for HCO Upgradeable=True again;
//  8. OpenShift to the target EUS release;
//  9. OpenShift Virtualization to the target;
//  10. restore workloadUpdateMethods exactly as found;
//  11. verify the workload updates (migrations);
//  12. unpause the worker pools and wait for them.
//
// Plan refuses, with a *update.RefusalError wrapping one of this package's
// sentinels, a source that is not an EUS release, a target that is not the
// next EUS release, and a cluster already on the odd minor, and says what
// to do instead. The documented exceptions are applied: eus-4.8 takes
// only 4.7.34 and later and eus-4.10 only 4.9.30 and later as the
// intermediate release; the paused-pool procedure starts with 4.8 → 4.10
// from 4.8.14 (4.6 → 4.8 runs without pausing); and 4.16 (RHEL 9.4)
// launchers must all be updated before the next update, so outdated VMIs are
// an Error when planning from 4.16.
package eus
