package io.countersign.gateway.secrets;

import io.countersign.gateway.support.PrivateFiles;
import io.countersign.gateway.config.ConfigException;
import io.countersign.gateway.config.GatewayConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Finds the master key: {@code secrets.masterKey} if set, else a key file generated once with owner-only access. */
public final class MasterKeys {
  private static final Logger LOG = LoggerFactory.getLogger(MasterKeys.class);

  private MasterKeys() {}

  public static SecretCipher load(GatewayConfig.Secrets config) {
    String configured = config.masterKey();
    List<SecretCipher.MasterKey> keys = new java.util.ArrayList<>();
    keys.add(SecretCipher.MasterKey.of(configured != null && !configured.isBlank()
        ? decode(configured.trim(), "secrets.masterKey") : readOrCreate(config.keyFile())));
    String previous = config.previousMasterKeys();
    if (previous != null && !previous.isBlank()) {
      for (String k : previous.split(",")) {
        if (!k.isBlank()) {
          keys.add(SecretCipher.MasterKey.of(decode(k.trim(), "secrets.previousMasterKeys")));
        }
      }
    }
    return new SecretCipher(keys);
  }

  private static byte[] readOrCreate(Path file) {
    try {
      if (Files.exists(file)) {
        return decode(Files.readString(file, StandardCharsets.US_ASCII).trim(), file.toString());
      }
      byte[] key = new byte[32];
      new SecureRandom().nextBytes(key);
      PrivateFiles.write(file, Base64.getEncoder().encodeToString(key) + "\n");
      LOG.info("generated a new master key in {} (owner-only); back it up with the database", file);
      return key;
    } catch (IOException e) {
      throw new ConfigException("cannot read or create the master key file " + file + ": " + e.getMessage(), e);
    }
  }

  private static byte[] decode(String base64, String origin) {
    try {
      byte[] key = Base64.getDecoder().decode(base64);
      if (key.length != 32) {
        throw new ConfigException(origin + " must be base64 of 32 bytes (got " + key.length + " bytes)");
      }
      return key;
    } catch (IllegalArgumentException e) {
      throw new ConfigException(origin + " is not valid base64");
    }
  }
}
