package io.countersign.gateway;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import io.vertx.sqlclient.SqlClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shape of the code, checked on every build with ArchUnit: dependencies between feature packages point one way
 * (no cycle, and none back to the root package that wires them), and HTTP route classes go through services,
 * never to the database themselves (each feature's service does: {@code SecretChanges}, {@code EndpointService},
 * {@code ReplayService}, {@code TenantService}, {@code EventLog}, {@code AuditLog}, {@code DatabaseCheck}). The
 * dependency table that opens docs/design.md is checked against the code both ways, and a feature type is public only
 * when another package uses it.
 */
class ArchitectureTest {
  private static final String ROOT = "io.countersign.gateway";
  private static final Pattern NAME = Pattern.compile("`?([a-z]+)`?");

  private static JavaClasses imported;

  @BeforeAll
  static void importClasses() {
    imported = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.countersign.gateway");
  }

  @Test
  void featurePackagesHaveNoDependencyCycles() {
    slices().matching("io.countersign.gateway.(*)..").should().beFreeOfCycles().check(imported);
  }

  @Test
  void onlyTheRootPackageWiresFeaturesAndNoFeatureDependsOnIt() {
    // Gateway, ApiVerticle and Main assemble the features; shared helpers live in support, so the root package is
    // the top of the dependency graph and never part of a cycle
    noClasses().that().resideInAPackage("io.countersign.gateway.*..")
        .should().dependOnClassesThat().resideInAPackage("io.countersign.gateway")
        .check(imported);
  }

  @Test
  void routeClassesDoNotReachTheDatabaseThemselves() {
    noClasses().that().haveSimpleNameEndingWith("Routes")
        .should().dependOnClassesThat().areAssignableTo(SqlClient.class)
        .because("routes parse, call a service and reply; SQL belongs to the feature's service and *Sql class")
        .check(imported);
  }

  @Test
  void aFeatureTypeIsPublicOnlyWhenAnotherPackageUsesIt() {
    classes().that().arePublic().and().areTopLevelClasses().and().resideInAPackage(ROOT + ".*..")
        .should(new ArchCondition<JavaClass>("be used from another package") {
          @Override
          public void check(JavaClass type, ConditionEvents events) {
            // the type or one of its nested types (Commands.Endpoints, Dispatcher.Settings)
            boolean used = imported.stream()
                .filter(c -> c.getName().equals(type.getName()) || c.getName().startsWith(type.getName() + "$"))
                .flatMap(c -> c.getDirectDependenciesToSelf().stream())
                .anyMatch(d -> !d.getOriginClass().getPackageName().equals(type.getPackageName()));
            if (!used) {
              events.add(SimpleConditionEvent.violated(type, type.getName()
                  + " is public, but no other package uses it: make it package-private"));
            }
          }
        })
        .check(imported);
  }

  /**
   * docs/design.md opens with a table of the packages and what each depends on; this keeps it exact, both ways: a
   * dependency the table does not list fails, and so does one it lists that the code no longer has.
   */
  @Test
  void packagesDependExactlyOnWhatTheMapInDesignMdLists() throws IOException {
    Map<String, Set<String>> documented = documentedDependencies();
    Map<String, Set<String>> actual = new TreeMap<>();
    for (JavaClass c : imported) {
      String from = feature(c.getPackageName());
      if (from == null) {
        continue;
      }
      actual.computeIfAbsent(from, k -> new TreeSet<>());
      for (Dependency d : c.getDirectDependenciesFromSelf()) {
        String to = feature(d.getTargetClass().getPackageName());
        if (to != null && !to.equals(from)) {
          actual.get(from).add(to);
        }
      }
    }
    List<String> problems = new ArrayList<>();
    actual.forEach((pkg, deps) -> {
      Set<String> listed = documented.get(pkg);
      if (listed == null) {
        problems.add(pkg + " is not on the map");
        return;
      }
      deps.stream().filter(d -> !listed.contains(d)).forEach(d -> problems.add(pkg + " depends on " + d
          + ", which the map does not list"));
      listed.stream().filter(d -> !deps.contains(d)).forEach(d -> problems.add("the map says " + pkg
          + " depends on " + d + ", which it no longer does"));
    });
    documented.keySet().stream().filter(pkg -> !actual.containsKey(pkg))
        .forEach(pkg -> problems.add("the map lists " + pkg + ", which is no package"));
    Assertions.assertEquals(List.of(), problems, "docs/design.md's map and the code disagree");
  }

  /** {@code io.countersign.gateway.x.y} -> {@code x}; the root package (which wires everything) -> null. */
  private static String feature(String packageName) {
    if (!packageName.startsWith(ROOT + ".")) {
      return null;
    }
    String rest = packageName.substring(ROOT.length() + 1);
    int dot = rest.indexOf('.');
    return dot < 0 ? rest : rest.substring(0, dot);
  }

  /** The rows {@code | `pkg`[, `pkg2`] | what it holds | dep, dep (why), ... |} of design.md's "## The map". */
  private static Map<String, Set<String>> documentedDependencies() throws IOException {
    Path doc = Path.of("..", "docs", "design.md");
    Map<String, Set<String>> map = new TreeMap<>();
    boolean inMap = false;
    for (String line : Files.readAllLines(doc)) {
      if (line.startsWith("## ")) {
        inMap = line.startsWith("## The map");
      }
      if (!inMap || !line.startsWith("| `")) {
        continue;
      }
      String[] cells = line.split("\\|");
      Set<String> deps = new TreeSet<>();
      for (String dep : cells[cells.length - 1].split(",")) {
        Matcher m = NAME.matcher(dep.trim());
        if (m.lookingAt()) {
          deps.add(m.group(1));
        }
      }
      for (String pkg : cells[1].split(",")) {
        map.put(pkg.trim().replace("`", ""), deps);
      }
    }
    return map;
  }
}
