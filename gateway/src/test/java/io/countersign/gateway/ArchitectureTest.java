package io.countersign.gateway;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.vertx.sqlclient.SqlClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shape of the code, checked on every build with ArchUnit: dependencies between feature packages point one way
 * (no cycle, and none back to the root package that wires them), and HTTP route classes go through services,
 * never to the database themselves (each feature's service does: {@code SecretChanges}, {@code EndpointService},
 * {@code ReplayService}, {@code TenantService}, {@code EventLog}, {@code AuditLog}, {@code DatabaseCheck}).
 */
class ArchitectureTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.countersign.gateway");
  }

  @Test
  void featurePackagesHaveNoDependencyCycles() {
    slices().matching("io.countersign.gateway.(*)..").should().beFreeOfCycles().check(classes);
  }

  @Test
  void onlyTheRootPackageWiresFeaturesAndNoFeatureDependsOnIt() {
    // Gateway, ApiVerticle and Main assemble the features; shared helpers live in support, so the root package is
    // the top of the dependency graph and never part of a cycle
    noClasses().that().resideInAPackage("io.countersign.gateway.*..")
        .should().dependOnClassesThat().resideInAPackage("io.countersign.gateway")
        .check(classes);
  }

  @Test
  void routeClassesDoNotReachTheDatabaseThemselves() {
    noClasses().that().haveSimpleNameEndingWith("Routes")
        .should().dependOnClassesThat().areAssignableTo(SqlClient.class)
        .because("routes parse, call a service and reply; SQL belongs to the feature's service and *Sql class")
        .check(classes);
  }
}
