package io.countersign.gateway;

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
    subcommands = {Main.Serve.class})
public final class Main implements Callable<Integer> {
  @Mixin
  ServeOptions options = new ServeOptions();

  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
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
      gateway = Gateway.start(config);
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
