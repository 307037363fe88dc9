package dev.pitstop.migration.impact;

import dev.pitstop.migration.PendingScript;
import dev.pitstop.migration.impact.CatalogState.Column;
import dev.pitstop.migration.impact.CatalogState.Constraint;
import dev.pitstop.migration.impact.CatalogState.Relation;
import dev.pitstop.migration.impact.ImpactProbe.Observed;
import dev.pitstop.migration.impact.ImpactProbe.Probe;
import dev.pitstop.sql.SqlIdentifiers;
import dev.pitstop.sql.SqlState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns what the probe measured for one migration into findings, sized by the target. Size-based
 * findings only concern tables that exist on the target and are not empty there.
 */
final class Rules {

  /** Lock modes, weakest first. */
  static final List<String> MODES =
      List.of(
          "AccessShareLock",
          "RowShareLock",
          "RowExclusiveLock",
          "ShareUpdateExclusiveLock",
          "ShareLock",
          "ShareRowExclusiveLock",
          "ExclusiveLock",
          "AccessExclusiveLock");

  /** Findings that rewrite, scan or update data. */
  private static final Set<FindingCode> HEAVY =
      EnumSet.of(
          FindingCode.PS102,
          FindingCode.PS103,
          FindingCode.PS104,
          FindingCode.PS105,
          FindingCode.PS106,
          FindingCode.PS107,
          FindingCode.PS108,
          FindingCode.PS110);

  static final String NO_REASON =
      " (the pitstop:allow comment has no reason, so it does not count)";

  private record Draft(
      FindingCode code, Severity severity, int index, String relation, String message) {}

  private final Probe probe;
  private final PendingScript script;
  private final AllowComments allow;
  private final List<Draft> drafts = new ArrayList<>();

  /** Drops of the target's tables and views (PS109) by this script, by target name. */
  private final Map<String, Draft> drops = new HashMap<>();

  /** Target names this script dropped and created again. */
  private final Set<String> createdAgain = new HashSet<>();

  Rules(Probe probe, PendingScript script) {
    this.probe = probe;
    this.script = script;
    this.allow = AllowComments.of(script.statements());
  }

  /** The findings, in statement order, with the file's allow comments applied. */
  List<Finding> findings() {
    List<Finding> result = new ArrayList<>();
    drafts.stream()
        .sorted(Comparator.comparingInt(Draft::index).thenComparing(Draft::code))
        .forEach(
            d -> {
              AllowComments.Allowance a = allow.lookup(d.index(), d.code());
              String message = d.message();
              if (a != null && a.withoutReason()) {
                message += NO_REASON;
              }
              result.add(
                  new Finding(
                      d.code(),
                      d.severity(),
                      script.script(),
                      d.index() + 1,
                      script.statements().get(d.index()).line(),
                      d.relation(),
                      message,
                      a == null ? null : a.reason()));
            });
    return result;
  }

  private void add(FindingCode code, Severity severity, int index, String relation, String text) {
    drafts.add(new Draft(code, severity, index, relation, text));
  }

  private void add(FindingCode code, int index, String relation, String text) {
    add(code, code.severity(), index, relation, text);
  }

  /** A statement failed on the copy. */
  void failed(Observed o, String state, String message, boolean afterEarlierFailure) {
    String after =
        afterEarlierFailure
            ? " (after an earlier failure in this plan, which may be its cause)"
            : "";
    if (SqlState.ACTIVE_SQL_TRANSACTION.equals(state)) {
      add(
          FindingCode.PS111,
          o.index,
          null,
          "Fails with SQLSTATE 25001 ("
              + message
              + ") because it cannot run inside a transaction block: run CONCURRENTLY statements"
              + " directly in a migration of their own, not in a function or DO block"
              + after);
    } else if (dependsOnRows(o, state)) {
      long withRows = probe.sizes().tables().values().stream().filter(t -> t.nonEmpty()).count();
      add(
          FindingCode.PS100,
          Severity.WARNING,
          o.index,
          null,
          "Fails on the copy, which has none of the target's rows, with SQLSTATE "
              + state
              + " ("
              + message
              + "): the statement reads rows (a referenced key, a subquery, max()) that the"
              + " target has in "
              + withRows
              + " table(s), so migrate may pass here or fail as the copy did; check it against"
              + " the target's data"
              + after);
    } else {
      add(
          FindingCode.PS100,
          o.index,
          null,
          "Fails on a copy of the target's schema with SQLSTATE "
              + state
              + " ("
              + message
              + "), so migrate would fail here too"
              + lacking(state)
              + after);
    }
  }

  /**
   * Whether a failure may come from the copy having none of the target's rows: a data exception or
   * a constraint violation (SQLSTATE class 22 or 23) of a statement that reads rows — a foreign
   * key's referenced row (23503), a subquery, a function or block — on a target with rows.
   */
  private boolean dependsOnRows(Observed o, String state) {
    if (!state.startsWith("22") && !state.startsWith("23")) {
      return false;
    }
    boolean reads =
        SqlState.FOREIGN_KEY_VIOLATION.equals(state)
            || o.statement.hasLeadingWord("SELECT")
            || Statements.mayRunAnything(o.statement);
    return reads && probe.sizes().tables().values().stream().anyMatch(t -> t.nonEmpty());
  }

  /**
   * For an error naming something that does not exist or cannot be used (SQLSTATE class 42, syntax
   * errors included), when the copy differs from the target (objects it lacks, settings, the
   * server's version): that this may be the cause.
   */
  private String lacking(String state) {
    int lacking = probe.lacking();
    if (lacking == 0 || !state.startsWith("42")) {
      return "";
    }
    return lacking == 1
        ? ", unless it comes from the one way the copy differs from the target (listed with the"
            + " plan)"
        : ", unless it comes from one of the "
            + lacking
            + " ways the copy differs from the target (listed with the plan)";
  }

  /** A statement not run on the copy, and why. */
  void notRun(Observed o, String why) {
    add(
        FindingCode.PS113,
        o.index,
        null,
        "Not run on the copy: "
            + why
            + "; its locks and effects are not measured, and migrate applies it to the target's"
            + " server");
  }

  /** A statement that ran: its raw facts and the findings it alone causes. */
  void statement(Observed o) {
    Set<LockTaken> locks = new LinkedHashSet<>();
    o.newLocks.forEach(
        (oid, modes) -> {
          if (relation(o, oid) != null || probe.targetName(oid) != null) {
            modes.forEach(m -> locks.add(new LockTaken(name(o, oid), m)));
          }
        });
    // A statement that rebuilds an index by dropping and creating it again (ALTER COLUMN TYPE)
    // leaves an index of the same name with a new oid: that is a rebuild, not a new index.
    // PostgreSQL may also recreate an index under a new oid while keeping its storage (ALTER COLUMN
    // TYPE that needs no rebuild, e.g. varchar(10) to varchar(20)): same relfilenode, no rebuild.
    Map<String, Relation> droppedNames = new HashMap<>();
    o.before.forEach(
        (oid, b) -> {
          if (!o.after.containsKey(oid)) {
            droppedNames.put(b.qualified(), b);
          }
        });
    List<String> rewritten = new ArrayList<>();
    List<String> built = new ArrayList<>();
    List<String> validated = new ArrayList<>();
    Set<Long> rewrittenOids = new HashSet<>();
    for (Map.Entry<Long, Relation> e : o.after.entrySet()) {
      long oid = e.getKey();
      Relation a = e.getValue();
      Relation b = o.before.get(oid);
      // A CONCURRENTLY statement rebuilds without blocking reads or writes: listed, not a risk.
      String how = o.concurrently ? " (concurrently)" : "";
      if (b != null && b.fileNode() != 0 && b.fileNode() != a.fileNode()) {
        rewritten.add(name(o, oid) + how);
        if (!o.concurrently) {
          rewrittenOids.add(oid);
        }
      }
      if (b == null && a.isIndex()) {
        Relation same = droppedNames.get(a.qualified());
        if (same != null && same.isIndex() && sameKey(same, a)) {
          if (same.fileNode() != a.fileNode()) {
            rewritten.add(a.qualified() + how);
            if (!o.concurrently) {
              rewrittenOids.add(oid);
            }
          }
        } else {
          built.add(a.qualified() + (o.concurrently ? " (concurrently)" : ""));
          indexBuilt(o, a);
        }
      }
      if (b == null && !a.isIndex() && probe.droppedTargets.containsKey(a.qualified())) {
        String target = probe.droppedTargets.remove(a.qualified());
        probe.recreated.put(oid, target);
        createdAgain.add(target);
      }
      for (Constraint c : a.constraints().values()) {
        Constraint before = previous(b, c);
        if (c.validated() && (before == null || !before.validated())) {
          validated.add(c.name() + " on " + name(o, oid));
        }
      }
    }
    for (Map.Entry<Long, Relation> e : o.after.entrySet()) {
      Relation b = o.before.get(e.getKey());
      for (Constraint c : e.getValue().constraints().values()) {
        if (revalidated(o, e.getKey(), c, previous(b, c), rewrittenOids)) {
          validated.add(c.name() + " on " + name(o, e.getKey()) + " (again)");
        }
      }
    }
    // by relation, then mode: pg_locks returns them in no particular order
    List<LockTaken> sorted = new ArrayList<>(locks);
    sorted.sort(
        Comparator.comparing(LockTaken::relation)
            .thenComparing(l -> MODES.indexOf(l.mode()))
            .thenComparing(LockTaken::mode));
    o.impact.add(probe.impact(o, sorted, rewritten, built, validated, null));
    mayHaveFilled(o, rewrittenOids);
    mayHaveEmptied(o);
    for (Map.Entry<Long, Relation> e : o.before.entrySet()) {
      long oid = e.getKey();
      Relation b = e.getValue();
      Relation a = o.after.get(oid);
      if (b.isTable() && a != null) {
        tableChanged(o, b, a, rewrittenOids);
      }
      renamedOrDropped(o, b, a);
    }
    for (long oid : o.scanned) {
      Relation r = relation(o, oid);
      TargetSizes.Table t = r == null ? null : probe.nonEmptyTargetTable(oid, r);
      if (t != null) {
        add(
            FindingCode.PS105,
            o.index,
            t.name(),
            lockOn(o, oid, t)
                + " while checking every row against the partition bound: "
                + effect(strongest(o, oid))
                + " for the scan; first add a CHECK constraint that matches the bound NOT VALID"
                + " and VALIDATE it in an earlier migration, so that attaching needs no scan");
      }
    }
    domainScanned(o);
    noLockTimeout(o);
  }

  /**
   * ALTER DOMAIN that checks a constraint (ADD without NOT VALID, SET NOT NULL, VALIDATE
   * CONSTRAINT) reads every table with a column of the domain, each under the SHARE lock it takes
   * on it; NOT VALID takes none.
   */
  private void domainScanned(Observed o) {
    if (!Statements.isAlterDomain(o.statement)) {
      return;
    }
    String instead;
    if (Statements.isDomainSetNotNull(o.statement)) {
      instead =
          "; add a CHECK (VALUE IS NOT NULL) constraint to the domain NOT VALID instead (new"
              + " values are checked at once) and validate it in a migration of its own, planned"
              + " on its own";
    } else if (Statements.isDomainValidate(o.statement)) {
      instead =
          "; validating a domain constraint takes this lock for the scan, unlike a table's (SHARE"
              + " UPDATE EXCLUSIVE): run it when writes to these tables can wait, or check the"
              + " columns with table CHECK constraints added NOT VALID and validated instead";
    } else {
      instead =
          "; add it NOT VALID (new values are checked at once) and validate it in a migration of"
              + " its own, planned on its own";
    }
    o.newLocks.forEach(
        (oid, modes) -> {
          if (!modes.contains("ShareLock")) {
            return;
          }
          Relation r = relation(o, oid);
          TargetSizes.Table t = r == null ? null : probe.nonEmptyTargetTable(oid, r);
          if (t != null) {
            add(
                FindingCode.PS114,
                o.index,
                t.name(),
                lockOn(o, oid, t)
                    + " while checking every row against the domain's constraint: "
                    + effect(strongest(o, oid))
                    + " for the scan"
                    + instead);
            if (Statements.isDomainSetNotNull(o.statement)) {
              nullDomainColumns(o, oid, r, t);
            }
          }
        });
  }

  /**
   * PS100 for a column the plan added to a non-empty table without a default and filled by no
   * statement since: setting it NOT NULL ({@code what} is, directly or through its domain) fails on
   * the target.
   */
  private void nullInEveryRow(
      Observed o, TargetSizes.Table t, Column c, String ofType, String addedBy, String what) {
    add(
        FindingCode.PS100,
        o.index,
        t.name(),
        "Fails on the target, not on the empty copy: column "
            + c.name()
            + " of "
            + t.name()
            + " ("
            + t.describe()
            + ")"
            + ofType
            + " added without a default by "
            + (addedBy.equals(script.script()) ? "this migration" : addedBy)
            + " and filled by no statement since, is NULL in every row when "
            + what
            + " set NOT NULL (SQLSTATE 23502), so migrate would fail here; fill it first (in"
            + " batches, in a migration of its own), then set NOT NULL");
  }

  /**
   * A column of the domain that an earlier statement of the plan added to the non-empty table
   * without a default, and that no statement filled since, is NULL in every row of the target: the
   * domain's SET NOT NULL fails there, not on the empty copy.
   */
  private void nullDomainColumns(Observed o, long oid, Relation table, TargetSizes.Table t) {
    String domain = Statements.alteredDomainName(o.statement);
    Map<Integer, String> unfilled = probe.unfilled.getOrDefault(oid, Map.of());
    if (domain == null || unfilled.isEmpty()) {
      return;
    }
    for (Map.Entry<Integer, String> added : unfilled.entrySet()) {
      Column c = table.columns().get(added.getKey());
      if (c == null || c.dropped() || !probe.typeIsOrIsOverDomain(c.typeId(), domain)) {
        continue;
      }
      nullInEveryRow(o, t, c, ", of domain " + domain + ",", added.getValue(), "the domain is");
      return;
    }
  }

  /**
   * Whether two indexes cover the same columns (by name, in order): one dropped and created again
   * by the statement on the same key is rebuilt; on another key (ADD PRIMARY KEY (x) of the name
   * DROP COLUMN id freed) it is a new one.
   */
  private static boolean sameKey(Relation dropped, Relation created) {
    List<String> before = dropped.columns().values().stream().map(Column::name).toList();
    List<String> after = created.columns().values().stream().map(Column::name).toList();
    return before.equals(after);
  }

  /** The constraint as {@code relation} had it: same oid, or same name (recreated). */
  private static Constraint previous(Relation relation, Constraint c) {
    if (relation == null) {
      return null;
    }
    Constraint same = relation.constraints().get(c.oid());
    if (same != null) {
      return same;
    }
    for (Constraint other : relation.constraints().values()) {
      if (other.name().equals(c.name())) {
        return other;
      }
    }
    return null;
  }

  private void indexBuilt(Observed o, Relation index) {
    TargetSizes.Table t = probe.nonEmptyTargetTable(index.table(), null);
    if (t == null || o.concurrently) {
      return;
    }
    add(
        FindingCode.PS103,
        o.index,
        t.name(),
        lockOn(o, index.table(), t)
            + " while building index "
            + index.qualified()
            + ": "
            + effect(strongest(o, index.table()))
            + (index.kind() == 'I'
                // PostgreSQL refuses CONCURRENTLY on a partitioned table
                ? " for the build; create it ON ONLY the partitioned table, build each"
                    + " partition's index with CREATE INDEX CONCURRENTLY and attach it with ALTER"
                    + " INDEX ... ATTACH PARTITION"
                : " for the build; use CREATE INDEX CONCURRENTLY in a migration of its own"));
  }

  /**
   * Forgets the columns added without a default whose rows a statement may have filled: any
   * statement that changes rows or may run anything (a DO block, a function), one that takes ROW
   * EXCLUSIVE on their table, one that rewrites or empties it.
   */
  /** Remembers the tables a DELETE, TRUNCATE, block or function may have emptied. */
  private void mayHaveEmptied(Observed o) {
    boolean deletes = o.statement.startsWith("DELETE") || Statements.mayRunAnything(o.statement);
    boolean truncates = o.statement.startsWith("TRUNCATE");
    // a lock the transaction already held is not new: a DELETE after an INSERT into the table
    (deletes && o.held != null ? o.held : o.newLocks)
        .forEach(
            (oid, modes) -> {
              if ((deletes && modes.contains("RowExclusiveLock"))
                  || (truncates && modes.contains("AccessExclusiveLock"))) {
                probe.mayBeEmpty.add(oid);
              }
            });
  }

  private void mayHaveFilled(Observed o, Set<Long> rewrittenOids) {
    if (Statements.isRowStatement(o.statement) || Statements.mayRunAnything(o.statement)) {
      probe.unfilled.clear();
      return;
    }
    o.newLocks.forEach(
        (oid, modes) -> {
          if (modes.contains("RowExclusiveLock")) {
            probe.unfilled.remove(oid);
          }
        });
    rewrittenOids.forEach(probe.unfilled::remove);
  }

  private void tableChanged(Observed o, Relation b, Relation a, Set<Long> rewrittenOids) {
    long oid = a.oid();
    TargetSizes.Table t = probe.nonEmptyTargetTable(oid, a);
    if (t == null) {
      return;
    }
    String lock = lockOn(o, oid, t);
    String effect = effect(strongest(o, oid));
    boolean tableRewritten = rewrittenOids.contains(oid);
    Relation rewrittenIndex = null;
    for (long r : rewrittenOids) {
      Relation rel = o.after.get(r);
      if (rel != null && rel.isIndex() && rel.table() == oid) {
        rewrittenIndex = rel;
      }
    }
    List<Column> addedWithDefault = new ArrayList<>();
    List<Column> addedNotNullEmpty = new ArrayList<>();
    List<Column> typeChanged = new ArrayList<>();
    List<Column> setNotNull = new ArrayList<>();
    for (Column c : a.columns().values()) {
      Column before = b.columns().get(c.attnum());
      if (c.dropped()) {
        continue;
      }
      if (before == null) {
        if (c.hasDefault()) {
          addedWithDefault.add(c);
        } else if (c.identity() || probe.typeHasDefault(c.typeId())) {
          continue; // filled
        } else if (c.notNull()) {
          addedNotNullEmpty.add(c);
        } else if (!tableRewritten) {
          probe
              .unfilled
              .computeIfAbsent(oid, k -> new HashMap<>())
              .put(c.attnum(), script.script());
        }
      } else {
        if (before.typeId() != c.typeId() || before.typeMod() != c.typeMod()) {
          typeChanged.add(c);
        }
        if (!before.notNull() && c.notNull()) {
          setNotNull.add(c);
        }
      }
    }
    for (Column c : setNotNull) {
      String addedBy = probe.unfilled.getOrDefault(oid, Map.of()).get(c.attnum());
      if (addedBy == null) {
        continue;
      }
      nullInEveryRow(o, t, c, ",", addedBy, "it is");
    }
    for (Column c : addedNotNullEmpty) {
      if (probe.mayBeEmpty.contains(oid)) {
        break; // an earlier statement of the plan may have emptied it
      }
      // succeeds on the empty copy, fails on the target's rows
      add(
          FindingCode.PS100,
          o.index,
          t.name(),
          "Fails on the target, not on the empty copy: column "
              + c.name()
              + " is added NOT NULL without a default to "
              + t.name()
              + " ("
              + t.describe()
              + "), whose rows would have no value for it (SQLSTATE 23502), so migrate would fail"
              + " here; add it with a default, or nullable, fill it, then set NOT NULL");
    }
    if (tableRewritten && !addedWithDefault.isEmpty() && addedWithDefault.get(0).generated()) {
      add(
          FindingCode.PS107,
          o.index,
          t.name(),
          lock
              + " while rewriting it to compute new stored generated column "
              + addedWithDefault.get(0).name()
              + " for every row: "
              + effect
              + " for the rewrite; add a plain column instead, fill it in batches and keep it"
              + " current with a trigger");
    } else if (tableRewritten && !addedWithDefault.isEmpty()) {
      add(
          FindingCode.PS107,
          o.index,
          t.name(),
          lock
              + " while rewriting it to fill new column "
              + addedWithDefault.get(0).name()
              + " with a default computed per row: "
              + effect
              + " for the rewrite; add the column without a default or with a constant one, then"
              + " fill it in batches");
    } else if ((tableRewritten || rewrittenIndex != null) && !typeChanged.isEmpty()) {
      add(
          FindingCode.PS108,
          o.index,
          t.name(),
          lock
              + (tableRewritten
                  ? " while rewriting it"
                  : " while rebuilding its index " + name(o, rewrittenIndex.oid()))
              + " to change the type of column "
              + typeChanged.get(0).name()
              + ": "
              + effect
              + (tableRewritten ? " for the rewrite" : " for the rebuild")
              + "; add a column of the new type, fill it in batches and switch over");
    } else if (tableRewritten) {
      add(
          FindingCode.PS102,
          o.index,
          t.name(),
          lock
              + " while "
              + (o.statement.startsWith("TRUNCATE") ? "truncating" : "rewriting")
              + " it: "
              + effect
              + " for the rewrite");
    } else if (rewrittenIndex != null) {
      // REINDEX takes SHARE on the table but ACCESS EXCLUSIVE on the index, and planning a query
      // on the table takes ACCESS SHARE on each of its indexes: reads wait too
      String index = name(o, rewrittenIndex.oid());
      boolean indexExclusive =
          bare(strongest(o, rewrittenIndex.oid())).equals("AccessExclusiveLock")
              && !bare(strongest(o, oid)).equals("AccessExclusiveLock");
      add(
          FindingCode.PS102,
          o.index,
          t.name(),
          lock
              + (indexExclusive ? " and ACCESS EXCLUSIVE on its index " + index : "")
              + " while rebuilding its index "
              + index
              + ": "
              + (indexExclusive
                  ? "blocks every read and write (a query on the table needs its indexes)"
                  : effect)
              + " for the rebuild");
    }
    for (Column c : setNotNull) {
      if (b.checkProvesNotNull(c.name())) {
        continue;
      }
      add(
          FindingCode.PS106,
          o.index,
          t.name(),
          lock
              + " while scanning it to set column "
              + c.name()
              + " NOT NULL: "
              + effect
              + " for the scan; first add CHECK ("
              + SqlIdentifiers.quoteIfNeeded(c.name())
              + " IS NOT NULL) NOT VALID and validate it in a later migration");
    }
    Relation start = probe.atTransactionStart(oid);
    for (Constraint c : a.constraints().values()) {
      if (!c.validated() || (c.type() != 'f' && c.type() != 'c')) {
        continue;
      }
      Constraint before = previous(b, c);
      if (before != null && before.validated()) {
        // A foreign key is dropped and added again when the type of a column it references
        // changes; when that table is rewritten, PostgreSQL checks every row again.
        if (revalidated(o, oid, c, before, rewrittenOids)) {
          add(
              FindingCode.PS104,
              o.index,
              t.name(),
              lock
                  + " while checking every row against foreign key "
                  + c.name()
                  + " again, added anew because the type of a column it references changed: "
                  + effect
                  + " for the scan; it comes with that type change (see its finding): a new"
                  + " column filled in batches avoids both");
        }
        continue;
      }
      Constraint atStart = previous(start, c);
      if (atStart != null) {
        continue; // it existed, NOT VALID, before this migration: validating it is the safe step
      }
      boolean foreignKey = c.type() == 'f';
      add(
          foreignKey ? FindingCode.PS104 : FindingCode.PS105,
          o.index,
          t.name(),
          lock
              + " while checking every row against new "
              + (foreignKey ? "foreign key " : "check constraint ")
              + c.name()
              + ": "
              + effect
              + " for the scan; add it NOT VALID, then VALIDATE CONSTRAINT in a later migration");
    }
  }

  /**
   * A validated foreign key of table {@code oid} added anew (same name, new oid) by a statement
   * that rewrote another table: the type of a column it references changed, and PostgreSQL checks
   * every row again.
   */
  private static boolean revalidated(
      Observed o, long oid, Constraint c, Constraint before, Set<Long> rewritten) {
    return c.type() == 'f'
        && c.validated()
        && before != null
        && before.validated()
        && before.oid() != c.oid()
        && otherTableRewritten(o, oid, rewritten);
  }

  /** Whether the statement rewrote a table other than {@code oid}. */
  private static boolean otherTableRewritten(Observed o, long oid, Set<Long> rewritten) {
    for (long r : rewritten) {
      Relation rel = o.after.get(r);
      if (r != oid && rel != null && rel.isTable()) {
        return true;
      }
    }
    return false;
  }

  private void renamedOrDropped(Observed o, Relation b, Relation a) {
    long oid = b.oid();
    String target = probe.targetName(oid);
    if (target == null) {
      target = probe.recreated.get(oid);
    }
    if (target == null) {
      return;
    }
    boolean tableLike = b.isTable() || b.kind() == 'v';
    String kind = b.kind() == 'v' ? "view" : b.kind() == 'm' ? "materialized view" : "table";
    String named = lockOnNamed(o, oid);
    String breaks = ": the running application's queries that use it fail until it is deployed";
    if (tableLike && a == null) {
      add(
          FindingCode.PS109,
          o.index,
          target,
          named + " to drop " + kind + " " + target + breaks + " without it");
      drops.put(target, drafts.get(drafts.size() - 1));
      probe.droppedTargets.put(b.qualified(), target);
      return;
    }
    if (a == null) {
      return;
    }
    if (tableLike && !a.qualified().equals(b.qualified())) {
      String rename;
      if (o.held.containsKey(oid)) {
        rename = named + " to rename " + kind + " " + b.qualified() + " to " + a.qualified();
      } else {
        // renamed with its schema (ALTER SCHEMA ... RENAME), which locks none of its relations
        TargetSizes.Table t = probe.sizes().table(target);
        rename =
            "Renames "
                + kind
                + " "
                + b.qualified()
                + (t == null ? "" : " (" + t.describe() + ")")
                + " to "
                + a.qualified()
                + " with its schema";
      }
      add(FindingCode.PS109, o.index, target, rename + breaks + " with the new name");
    }
    if (!b.isTable()) {
      return;
    }
    Map<Integer, String> original = probe.targetColumns(oid);
    for (Column c : a.columns().values()) {
      Column before = b.columns().get(c.attnum());
      if (before == null || before.dropped() || !original.containsKey(c.attnum())) {
        continue;
      }
      if (c.dropped()) {
        add(
            FindingCode.PS109,
            o.index,
            target,
            named + " to drop column " + before.name() + breaks + " without it");
      } else if (!c.name().equals(before.name())) {
        add(
            FindingCode.PS109,
            o.index,
            target,
            named
                + " to rename column "
                + before.name()
                + " to "
                + c.name()
                + breaks
                + " with the new name");
      }
    }
  }

  private void noLockTimeout(Observed o) {
    if (!"0".equals(o.lockTimeout)) {
      return;
    }
    o.newLocks.forEach(
        (oid, modes) -> {
          Relation r = relation(o, oid);
          if (!modes.contains("AccessExclusiveLock") || r == null || r.isIndex()) {
            return;
          }
          TargetSizes.Table t = probe.nonEmptyTargetTable(oid, r);
          if (t == null) {
            return;
          }
          add(
              FindingCode.PS112,
              o.index,
              t.name(),
              "ACCESS EXCLUSIVE on "
                  + t.name()
                  + " ("
                  + t.describe()
                  + ") requested with lock_timeout 0: blocks every read and write queued behind it"
                  + " for as long as it waits for any running transaction on the table; set"
                  + " lock_timeout (and retry) before it");
        });
  }

  /** After every statement of a transactional migration ran: PS101 and PS110. */
  void transaction(List<Observed> observed) {
    // dropped and created again in one transaction: the application never sees it missing
    createdAgain.forEach(
        target -> {
          Draft drop = drops.remove(target);
          if (drop != null) {
            drafts.remove(drop);
          }
        });
    Set<Long> reported = new HashSet<>();
    for (int i = 0; i < observed.size() - 1; i++) {
      Observed o = observed.get(i);
      for (Map.Entry<Long, List<String>> e : o.newLocks.entrySet()) {
        long oid = e.getKey();
        Relation r = relation(o, oid);
        boolean exclusive =
            e.getValue().contains("AccessExclusiveLock") || e.getValue().contains("ExclusiveLock");
        TargetSizes.Table t = r == null ? null : probe.nonEmptyTargetTable(oid, r);
        if (r == null || !exclusive || r.isIndex() || t == null || !reported.add(oid)) {
          continue;
        }
        int later = observed.size() - 1 - i;
        boolean heavy = false;
        for (int j = i + 1; j < observed.size(); j++) {
          int index = observed.get(j).index;
          heavy |=
              observed.get(j).dataUpdate
                  || drafts.stream().anyMatch(d -> d.index() == index && HEAVY.contains(d.code()));
        }
        String mode = LockTaken.sqlName(strongest(o, oid));
        add(
            FindingCode.PS101,
            heavy ? Severity.ERROR : Severity.WARNING,
            o.index,
            t.name(),
            mode
                + " on "
                + t.name()
                + " ("
                + t.describe()
                + ") stays held while "
                + (heavy
                    ? "later statements of this transaction rewrite, scan or update data"
                    : "the "
                        + later
                        + " later statement"
                        + (later == 1 ? "" : "s")
                        + " of this transaction run")
                + ": "
                + effect(strongest(o, oid))
                + " until it commits; move them to migrations of their own");
      }
    }
    for (Observed o : observed) {
      if (o.dataTarget == 0) {
        continue;
      }
      TargetSizes.Table t = probe.nonEmptyTargetTable(o.dataTarget, null);
      if (t == null) {
        continue;
      }
      // The strongest schema lock held while the rows change, else the one taken after them; on
      // the changed table itself when there is one, since that is what the change blocks.
      String before = null;
      String after = null;
      String beforeOnIt = null;
      String afterOnIt = null;
      for (Observed p : observed) {
        if (p.dataUpdate) {
          continue;
        }
        for (Map.Entry<Long, List<String>> e : p.newLocks.entrySet()) {
          String strongest = strongestOf(e.getValue());
          if (probe.targetName(e.getKey()) == null
              || MODES.indexOf(strongest) < MODES.indexOf("ShareLock")) {
            continue;
          }
          String ddl = strongest + "\t" + probe.display(e.getKey(), relation(p, e.getKey()));
          boolean onIt = e.getKey() == o.dataTarget;
          if (p.index < o.index) {
            before = stronger(before, ddl);
            beforeOnIt = onIt ? stronger(beforeOnIt, ddl) : beforeOnIt;
          } else {
            after = stronger(after, ddl);
            afterOnIt = onIt ? stronger(afterOnIt, ddl) : afterOnIt;
          }
        }
      }
      if (beforeOnIt != null) {
        before = beforeOnIt;
      }
      if (afterOnIt != null) {
        after = afterOnIt;
      }
      String ddl = before != null ? before : after;
      if (ddl == null) {
        continue;
      }
      String mode = ddlMode(ddl);
      add(
          FindingCode.PS110,
          o.index,
          t.name(),
          "ROW EXCLUSIVE on "
              + t.name()
              + " ("
              + t.describe()
              + ") while changing its rows in a transaction that "
              + (before != null ? "already holds " : "then takes ")
              + LockTaken.sqlName(mode)
              + " on "
              + ddl.substring(ddl.indexOf('\t') + 1)
              + (before != null
                  ? ": " + effect(mode) + " of that table for the whole data change"
                  : ": blocks writes of the changed rows until the schema change commits, through"
                      + " any wait for its lock, and a lock timeout there undoes the whole data"
                      + " change")
              + "; change the data in batches in a migration of its own");
    }
  }

  private static String stronger(String current, String candidate) {
    return current == null || MODES.indexOf(ddlMode(candidate)) > MODES.indexOf(ddlMode(current))
        ? candidate
        : current;
  }

  private static String ddlMode(String ddl) {
    return ddl.substring(0, ddl.indexOf('\t'));
  }

  /** After every statement of a migration run outside a transaction: PS111. */
  void autocommitScript(List<Observed> observed) {
    long others = script.statements().stream().filter(s -> !Statements.isSetting(s)).count() - 1;
    if (others < 1) {
      return;
    }
    for (Observed o : observed) {
      if (!Statements.isConcurrently(o.statement)) {
        continue;
      }
      String relation = null;
      for (long oid : o.newLocks.keySet()) {
        relation = probe.display(oid, relation(o, oid));
      }
      add(
          FindingCode.PS111,
          Severity.WARNING,
          o.index,
          relation,
          "Runs outside a transaction beside "
              + others
              + " other statement"
              + (others == 1 ? "" : "s")
              + " of this migration, so a failure leaves the earlier ones applied and the"
              + " migration half done; give each CONCURRENTLY statement a migration of its own");
    }
  }

  // ---- naming and wording

  private Relation relation(Observed o, long oid) {
    Relation r = o.after.get(oid);
    return r != null ? r : o.before.get(oid);
  }

  private String name(Observed o, long oid) {
    return probe.display(oid, relation(o, oid));
  }

  private String lockOn(Observed o, long oid, TargetSizes.Table t) {
    return LockTaken.sqlName(strongest(o, oid)) + " on " + t.name() + " (" + t.describe() + ")";
  }

  /** The lock on a relation of the target, with its size when it is a table there. */
  private String lockOnNamed(Observed o, long oid) {
    String target = probe.targetName(oid);
    Relation r = relation(o, oid);
    TargetSizes.Table t = r == null || r.isIndex() ? null : probe.sizes().table(target);
    String mode = LockTaken.sqlName(strongest(o, oid));
    return mode + " on " + target + (t == null ? "" : " (" + t.describe() + ")");
  }

  private static String strongest(Observed o, long oid) {
    List<String> modes = o.held.get(oid);
    return modes == null ? "AccessExclusiveLock" : strongestOf(modes);
  }

  static String strongestOf(List<String> modes) {
    String best = null;
    int rank = -1;
    for (String m : modes) {
      int r = MODES.indexOf(bare(m));
      if (r > rank) {
        rank = r;
        best = m;
      }
    }
    return best == null ? modes.get(0) : best;
  }

  private static String bare(String mode) {
    return mode.endsWith(ImpactProbe.STATED)
        ? mode.substring(0, mode.length() - ImpactProbe.STATED.length())
        : mode;
  }

  /** What a lock of this mode blocks. */
  static String effect(String mode) {
    switch (bare(mode)) {
      case "AccessExclusiveLock":
        return "blocks every read and write";
      case "ExclusiveLock":
      case "ShareRowExclusiveLock":
      case "ShareLock":
        return "blocks every write";
      case "ShareUpdateExclusiveLock":
        return "blocks schema changes and maintenance, not reads or writes";
      default:
        return "blocks schema changes";
    }
  }
}
