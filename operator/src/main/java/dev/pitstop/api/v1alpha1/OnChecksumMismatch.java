package dev.pitstop.api.v1alpha1;

/** What to do when an applied migration's file no longer matches its recorded checksum. */
public enum OnChecksumMismatch {
  /** Stop with phase Failed and name the migration. */
  Fail,
  /** Realign the recorded checksums with the files; never re-run a migration. */
  Repair
}
