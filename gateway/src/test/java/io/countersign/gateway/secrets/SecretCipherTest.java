package io.countersign.gateway.secrets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.security.SecureRandom;
import java.util.List;
import org.junit.jupiter.api.Test;

class SecretCipherTest {
  private static SecretCipher.MasterKey key() {
    byte[] k = new byte[32];
    new SecureRandom().nextBytes(k);
    return SecretCipher.MasterKey.of(k);
  }

  @Test
  void roundTripsAndBindsTheCiphertextToItsRow() {
    SecretCipher cipher = new SecretCipher(List.of(key()));
    byte[] secret = "0123456789abcdef0123456789abcdef".getBytes();
    byte[] sealed = cipher.encrypt(secret, "acme/ep_1/sec_1");
    assertArrayEquals(secret, cipher.decrypt(cipher.primaryKeyId(), sealed, "acme/ep_1/sec_1"));
    assertFalse(new String(sealed, java.nio.charset.StandardCharsets.ISO_8859_1).contains("0123456789"));
    assertThrows(IllegalStateException.class, () -> cipher.decrypt(cipher.primaryKeyId(), sealed, "acme/ep_2/sec_1"));
  }

  @Test
  void everyListedKeyDecryptsButOnlyTheFirstEncrypts() {
    SecretCipher.MasterKey oldKey = key();
    SecretCipher.MasterKey newKey = key();
    byte[] sealed = new SecretCipher(List.of(oldKey)).encrypt(new byte[] {1, 2, 3}, "x");
    SecretCipher both = new SecretCipher(List.of(newKey, oldKey));
    assertArrayEquals(new byte[] {1, 2, 3}, both.decrypt(oldKey.id(), sealed, "x"));
    assertThrows(IllegalStateException.class, () -> new SecretCipher(List.of(newKey)).decrypt(oldKey.id(), sealed, "x"));
  }
}
