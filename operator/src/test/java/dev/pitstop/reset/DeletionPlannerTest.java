package dev.pitstop.reset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pitstop.sql.QualifiedName;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Deletion order and cycle handling, on graphs built by hand. */
class DeletionPlannerTest {
  private final List<CatalogTable> tables = new ArrayList<>();
  private final List<ForeignKey> keys = new ArrayList<>();

  private CatalogTable table(String name) {
    CatalogTable t =
        new CatalogTable(tables.size() + 1, new QualifiedName("public", name), false, null, true);
    tables.add(t);
    return t;
  }

  /** A key child → parent; onDelete as in pg_constraint.confdeltype. */
  private ForeignKey key(
      String name,
      CatalogTable child,
      CatalogTable parent,
      boolean nullable,
      boolean deferrable,
      char onDelete) {
    ForeignKey k =
        new ForeignKey(
            new QualifiedName("public", name),
            child.oid(),
            parent.oid(),
            List.of(parent.name().name() + "_id"),
            List.of("id"),
            List.of(nullable),
            deferrable,
            onDelete,
            false);
    keys.add(k);
    return k;
  }

  private List<String> order(DeletionPlanner.Order order) {
    return order.order().stream().map(t -> t.name().name()).toList();
  }

  @Test
  void childrenComeBeforeParentsAndTiesGoByName() {
    CatalogTable users = table("users");
    CatalogTable courses = table("courses");
    CatalogTable enrollments = table("enrollments");
    CatalogTable submissions = table("submissions");
    CatalogTable categories = table("categories");
    key("enrollments_user_fk", enrollments, users, false, false, 'a');
    key("enrollments_course_fk", enrollments, courses, false, false, 'a');
    key("submissions_enrollment_fk", submissions, enrollments, false, false, 'r');
    key("courses_category_fk", courses, categories, true, false, 'a');

    DeletionPlanner.Order order = DeletionPlanner.order(tables, keys);

    assertThat(order(order))
        .containsExactly("submissions", "enrollments", "courses", "categories", "users");
    assertThat(order.deferred()).isEmpty();
    assertThat(order.nulled()).isEmpty();
  }

  @Test
  void selfReferencesNeedNothing() {
    CatalogTable staff = table("staff");
    key("staff_manager_fk", staff, staff, false, false, 'r');

    DeletionPlanner.Order order = DeletionPlanner.order(tables, keys);

    assertThat(order(order)).containsExactly("staff");
    assertThat(order.deferred()).isEmpty();
    assertThat(order.nulled()).isEmpty();
  }

  @Test
  void cycleThroughCascadeIsLeftToTheServer() {
    CatalogTable a = table("a");
    CatalogTable b = table("b");
    key("a_b_fk", a, b, false, false, 'a');
    key("b_a_fk", b, a, false, false, 'c');

    DeletionPlanner.Order order = DeletionPlanner.order(tables, keys);

    assertThat(order(order)).containsExactly("a", "b");
    assertThat(order.deferred()).isEmpty();
    assertThat(order.nulled()).isEmpty();
  }

  @Test
  void deferrableConstraintInACycleIsDeferred() {
    CatalogTable store = table("store");
    CatalogTable staff = table("staff");
    ForeignKey manager = key("store_manager_fk", store, staff, false, true, 'a');
    key("staff_store_fk", staff, store, false, false, 'a');

    DeletionPlanner.Order order = DeletionPlanner.order(tables, keys);

    assertThat(order.deferred()).containsExactly(manager);
    assertThat(order.nulled()).isEmpty();
    assertThat(order(order)).containsExactly("staff", "store");
  }

  @Test
  void deferrableRestrictDoesNotCountAsDeferrable() {
    CatalogTable store = table("store");
    CatalogTable staff = table("staff");
    key("store_manager_fk", store, staff, false, true, 'r');
    key("staff_store_fk", staff, store, false, false, 'a');

    assertThatThrownBy(() -> DeletionPlanner.order(tables, keys))
        .isInstanceOf(ResetException.class);
  }

  @Test
  void otherwiseANullableKeyInTheCycleIsNulledFirst() {
    CatalogTable store = table("store");
    CatalogTable staff = table("staff");
    ForeignKey manager = key("store_manager_fk", store, staff, true, false, 'a');
    key("staff_store_fk", staff, store, false, false, 'a');

    DeletionPlanner.Order order = DeletionPlanner.order(tables, keys);

    assertThat(order.nulled()).containsExactly(manager);
    assertThat(order.deferred()).isEmpty();
    assertThat(order(order)).containsExactly("staff", "store");
  }

  @Test
  void longerCyclesAreBrokenOnceAndTheRestIsOrdered() {
    CatalogTable a = table("a");
    CatalogTable b = table("b");
    CatalogTable c = table("c");
    CatalogTable leaf = table("leaf");
    key("a_b_fk", a, b, false, false, 'a');
    key("b_c_fk", b, c, false, false, 'a');
    ForeignKey back = key("c_a_fk", c, a, true, false, 'a');
    key("leaf_c_fk", leaf, c, false, false, 'a');

    DeletionPlanner.Order order = DeletionPlanner.order(tables, keys);

    assertThat(order.nulled()).containsExactly(back);
    assertThat(order(order)).containsExactly("a", "b", "leaf", "c");
  }

  @Test
  void unbreakableCycleIsRefusedNamingTablesAndConstraints() {
    CatalogTable store = table("store");
    CatalogTable staff = table("staff");
    key("store_manager_fk", store, staff, false, false, 'a');
    key("staff_store_fk", staff, store, false, false, 'r');
    table("unrelated");

    assertThatThrownBy(() -> DeletionPlanner.order(tables, keys))
        .isInstanceOfSatisfying(
            ResetException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ResetErrorCode.UNBREAKABLE_CYCLE);
              assertThat(e.subject()).isEqualTo("public.staff_store_fk, public.store_manager_fk");
              assertThat(e.getMessage())
                  .startsWith("Tables public.staff, public.store reference each other")
                  .contains("public.staff_store_fk", "public.store_manager_fk")
                  .endsWith("Nothing was deleted.");
            });
  }

  @Test
  void keysToTablesOutsideTheSetAreIgnored() {
    CatalogTable a = table("a");
    CatalogTable outside =
        new CatalogTable(99, new QualifiedName("other", "o"), false, null, false);
    key("a_o_fk", a, outside, false, false, 'a');
    key("o_a_fk", outside, a, false, false, 'a');

    assertThat(order(DeletionPlanner.order(tables, keys))).containsExactly("a");
  }

  @Test
  void childrenFirstKeepsCyclesInsteadOfBreakingThem() {
    CatalogTable a = table("a");
    CatalogTable b = table("b");
    CatalogTable leaf = table("leaf");
    key("a_b_fk", a, b, false, false, 'a');
    key("b_a_fk", b, a, false, false, 'a');
    key("leaf_a_fk", leaf, a, false, false, 'a');

    assertThat(DeletionPlanner.childrenFirst(tables, keys))
        .extracting(t -> t.name().name())
        .containsExactly("leaf", "a", "b");
  }
}
