package io.countersign.gateway;

import io.countersign.gateway.cli.Commands;
import io.countersign.gateway.config.ConfigException;
import io.countersign.gateway.config.ConfigLoader;
import io.countersign.gateway.config.GatewayConfig;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code java -jar countersign-gateway.jar [serve] [options]}: {@code serve} is the default command. */
@Command(name = "countersign-gateway", mixinStandardHelpOptions = true, version = "Countersign 0.1.0",
    description = "Webhook signing gateway: durable deduplicated ingest, fan-out, dual-signed at-least-once delivery.",
    subcommands = {Main.Serve.class, Main.RekeyCommand.class, Commands.Endpoints.class, Commands.Secret.class,
        Commands.Replay.class, Commands.Audit.class, Commands.Events.class,
        Commands.TokensGroup.class})
public final class Main implements Callable<Integer> {
  @Mixin
  ServeOptions options = new ServeOptions();

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /**
   * The command line with its error handling: a command's failure is one line on stderr and its documented exit
   * code (see {@link Commands}); anything unexpected is one line too, exit 1, never a stack trace.
   */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new Main());
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      if (e instanceof Commands.CliException cli2) {
        commandLine.getErr().println("countersign: " + cli2.getMessage());
        return cli2.exitCode();
      }
      commandLine.getErr().println("countersign: " + e);
      return 1;
    });
    return cli;
  }

  @Override
  public Integer call() throws Exception {
    return serve(options);
  }

  /** Options of the {@code serve} command; they also apply when no command is given. */
  static final class ServeOptions {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
        description = "YAML config file (see config/gateway.yaml for every key and its default).")
    Path config;

    @Option(names = {"-p", "--port"}, paramLabel = "PORT", description = "HTTP port (overrides http.port).")
    Integer port;

    @Option(names = "--data-dir", paramLabel = "DIR",
        description = "Embedded PostgreSQL data directory (overrides database.embedded.dataDirectory).")
    Path dataDir;
  }

  @Command(name = "serve", mixinStandardHelpOptions = true, description = "Run the gateway (the default).")
  static final class Serve implements Callable<Integer> {
    @Mixin
    ServeOptions options = new ServeOptions();

    @Override
    public Integer call() throws Exception {
      return serve(options);
    }
  }

  @Command(name = "rekey", mixinStandardHelpOptions = true,
      description = {"Re-encrypt every stored endpoint secret under the gateway's current master key, while it serves.",
          "First restart the gateway with the new secrets.masterKey and the old one in secrets.previousMasterKeys;",
          "once this reports 'remaining: 0', the old key can be removed."})
  static final class RekeyCommand implements Callable<Integer> {
    @Option(names = "--url", defaultValue = "http://localhost:8080", description = "Gateway base URL (default ${DEFAULT-VALUE}).")
    String url;

    @Option(names = "--token", defaultValue = "${env:COUNTERSIGN_ADMIN_TOKEN}",
        description = "Admin token (default: $COUNTERSIGN_ADMIN_TOKEN).")
    String token;

    @Override
    public Integer call() throws Exception {
      if (token == null || token.isBlank()) {
        System.err.println("countersign: --token or COUNTERSIGN_ADMIN_TOKEN is required");
        return 2;
      }
      java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
          java.net.http.HttpRequest.newBuilder(java.net.URI.create(url.replaceAll("/+$", "") + "/v1/admin/rekey"))
              .header("Authorization", "Bearer " + token).POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        System.err.println("countersign: rekey failed with " + r.statusCode() + ": " + r.body());
        return 1;
      }
      io.vertx.core.json.JsonObject result = new io.vertx.core.json.JsonObject(r.body());
      System.out.println("master key " + result.getString("primaryKeyId") + ": re-sealed " + result.getInteger("resealed")
          + " endpoints, remaining " + result.getInteger("remaining"));
      return result.getInteger("remaining") == 0 ? 0 : 1;
    }
  }

  static int serve(ServeOptions options) throws Exception {
    Map<String, String> overrides = new HashMap<>();
    if (options.port != null) {
      overrides.put("http.port", options.port.toString());
    }
    if (options.dataDir != null) {
      overrides.put("database.embedded.dataDirectory", options.dataDir.toString());
    }
    GatewayConfig config;
    Gateway gateway;
    try {
      config = ConfigLoader.load(Optional.ofNullable(options.config), System.getenv(), overrides);
      // a supervised embedded database that cannot be restarted: exit (off the event loop) for a supervisor to act
      gateway = Gateway.start(config, java.time.Clock.systemUTC(), () -> new Thread(() -> System.exit(3),
          "countersign-give-up").start());
    } catch (ConfigException e) {
      System.err.println("countersign: " + e.getMessage());
      return 2;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      gateway.close();
      stopped.countDown();
    }, "countersign-shutdown"));
    stopped.await();
    return 0;
  }
}
