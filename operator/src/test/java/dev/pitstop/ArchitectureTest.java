package dev.pitstop;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The layers of docs/architecture.md, held against the compiled classes of the operator jar:
 * engines, {@code sql} and {@code database} know nothing of Kubernetes or of what sits above them;
 * the CLI reaches the operator only through the kinds' Kubernetes-free models; no package cycles.
 */
class ArchitectureTest {
  private static final JavaClasses PRODUCT =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.pitstop");

  /** Reconciler classes outside a {@code model} package: they run inside the operator only. */
  private static final DescribedPredicate<JavaClass> OPERATOR_GLUE =
      DescribedPredicate.describe(
          "are operator glue (reconciler classes outside a model package)",
          c ->
              c.getPackageName().startsWith("dev.pitstop.reconciler")
                  && !c.getPackageName().matches(".*\\.model(\\..*)?"));

  private static final String[] KUBERNETES = {"io.fabric8..", "io.javaoperatorsdk.."};

  private static final String[] ABOVE_ENGINES = {
    "dev.pitstop.api..",
    "dev.pitstop.reconciler..",
    "dev.pitstop.cli..",
    "dev.pitstop.operator..",
    "dev.pitstop.demo..",
    "dev.pitstop.embedded..",
    "dev.pitstop.notify.."
  };

  private static final String[] ENGINES = {
    "dev.pitstop.migration..",
    "dev.pitstop.reset..",
    "dev.pitstop.cleanup..",
    "dev.pitstop.maintenance.."
  };

  @Test
  void enginesSqlAndDatabaseImportNoKubernetes() {
    noClasses()
        .that()
        .resideInAnyPackage(concat(ENGINES, "dev.pitstop.sql..", "dev.pitstop.database.."))
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(KUBERNETES)
        .check(PRODUCT);
  }

  @Test
  void enginesSqlAndDatabaseImportNothingAboveThem() {
    noClasses()
        .that()
        .resideInAnyPackage(concat(ENGINES, "dev.pitstop.sql..", "dev.pitstop.database.."))
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(ABOVE_ENGINES)
        .check(PRODUCT);
  }

  @Test
  void sqlAndDatabaseImportNoEngine() {
    noClasses()
        .that()
        .resideInAnyPackage("dev.pitstop.sql..", "dev.pitstop.database..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(ENGINES)
        .check(PRODUCT);
  }

  @Test
  void enginesDoNotImportEachOther() {
    for (String engine : ENGINES) {
      noClasses()
          .that()
          .resideInAPackage(engine)
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(without(ENGINES, engine))
          .check(PRODUCT);
    }
  }

  @Test
  void cliImportsNoOperatorInternals() {
    noClasses()
        .that()
        .resideInAPackage("dev.pitstop.cli..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.javaoperatorsdk..",
            "dev.pitstop.operator..",
            "dev.pitstop.demo..",
            "dev.pitstop.embedded..")
        .check(PRODUCT);
  }

  @Test
  void cliReachesReconcilersOnlyThroughModels() {
    noClasses()
        .that()
        .resideInAPackage("dev.pitstop.cli..")
        .should()
        .dependOnClassesThat(OPERATOR_GLUE)
        .check(PRODUCT);
  }

  @Test
  void modelsAreKubernetesFree() {
    noClasses()
        .that()
        .resideInAPackage("dev.pitstop.reconciler..model..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.javaoperatorsdk..", "io.fabric8.kubernetes.client..", "dev.pitstop.operator..")
        .check(PRODUCT);
    noClasses()
        .that()
        .resideInAPackage("dev.pitstop.reconciler..model..")
        .should()
        .dependOnClassesThat(OPERATOR_GLUE)
        .check(PRODUCT);
  }

  @Test
  void reconcilersHoldNoSql() {
    noClasses()
        .that()
        .resideInAPackage("dev.pitstop.reconciler..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("java.sql..")
        .orShould()
        .dependOnClassesThat()
        .haveFullyQualifiedName("dev.pitstop.sql.SqlState")
        .check(PRODUCT);
  }

  @Test
  void noPackageCycles() {
    slices().matching("dev.pitstop.(**)").should().beFreeOfCycles().check(PRODUCT);
  }

  private static String[] concat(String[] a, String... b) {
    String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }

  private static String[] without(String[] all, String one) {
    return java.util.Arrays.stream(all).filter(p -> !p.equals(one)).toArray(String[]::new);
  }
}
