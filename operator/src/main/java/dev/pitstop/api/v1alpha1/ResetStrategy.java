package dev.pitstop.api.v1alpha1;

/** How a SandboxReset empties tables. */
public enum ResetStrategy {
  /** DELETE in foreign-key order: row locks only, concurrent readers are never blocked. */
  Delete,
  /** One TRUNCATE of all emptied tables under lockTimeout: faster, takes ACCESS EXCLUSIVE. */
  Truncate
}
