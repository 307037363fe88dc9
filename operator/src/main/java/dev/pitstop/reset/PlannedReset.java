package dev.pitstop.reset;

import java.util.List;
import java.util.Set;

/**
 * A plan together with what executing it needs, valid inside the transaction that made it.
 *
 * @param plan what the caller sees
 * @param graph the catalog as read in this transaction
 * @param order tables emptied by DELETE, in order, with the keys deferred or detached
 * @param truncated tables emptied by the one TRUNCATE
 * @param keeping tables that may keep rows
 * @param kept the marked rows, or {@code null} when nothing is kept
 * @param sequences sequences to restart
 * @param redundantChecks tables deleted without per-row foreign-key checks
 * @param triggers triggers disabled while emptying ({@link TriggerMode#DISABLE})
 * @param unreadable emptied tables the role may not SELECT: verified by a second DELETE
 */
record PlannedReset(
    ResetPlan plan,
    ForeignKeyGraph graph,
    DeletionPlanner.Order order,
    List<CatalogTable> truncated,
    Set<Long> keeping,
    KeptRows kept,
    List<ResetSequences.Sequence> sequences,
    RedundantForeignKeyChecks redundantChecks,
    UserTriggers.Handling triggers,
    Set<Long> unreadable) {}
