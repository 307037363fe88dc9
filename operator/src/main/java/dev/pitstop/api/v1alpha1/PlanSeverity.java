package dev.pitstop.api.v1alpha1;

/**
 * How much a plan's finding can hurt, lowest first; also the lowest one that asks for approval with
 * {@code approval: OnRisk}.
 */
public enum PlanSeverity {
  /** Worth knowing; no outage expected. */
  Info,
  /** Can block or break the application under some load or deployment order. */
  Warning,
  /** Blocks reads or writes for work proportional to a table's size, or fails. */
  Error
}
