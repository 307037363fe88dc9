/**
 * The {@code pitstop.dev/v1alpha1} custom resources: DatabaseMigration, MaintenanceWindow,
 * SandboxReset and CleanupSchedule. These classes are the source of the generated CRDs in {@code
 * crds/}; every field carries its description and validation here.
 */
package dev.pitstop.api.v1alpha1;
