package io.seglog;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Supplies the AES-256 keys of an encrypted log ({@link LogConfig.Builder#encryption}). Every
 * encrypted frame records the id of the key it was written with, so keys can rotate: new frames use
 * {@link #currentKeyId()}, and older frames stay readable as long as their keys are still provided.
 *
 * <p>Implementations must be thread-safe (a log calls them from its writer and reader threads) and
 * should be cheap: the log asks once per key id and writer session and keeps what it derived from
 * the key.
 */
public interface KeyProvider {
  /** The id of the key new frames are encrypted with; {@code >= 0}. */
  int currentKeyId();

  /**
   * The 32-byte AES-256 key with id {@code keyId}, or null if this provider does not have it (a
   * read of a frame written with it then fails with {@link EncryptionKeyException}). The caller
   * does not modify the array.
   */
  byte[] key(int keyId);

  /**
   * A provider holding {@code keys} (copied), writing with {@code currentKeyId}.
   *
   * @throws IllegalArgumentException if a key is not 32 bytes, an id is negative, or the current id
   *     has no key
   */
  static KeyProvider of(int currentKeyId, Map<Integer, byte[]> keys) {
    Map<Integer, byte[]> copy = new LinkedHashMap<>();
    for (Map.Entry<Integer, byte[]> e : keys.entrySet()) {
      if (e.getKey() == null || e.getKey() < 0) {
        throw new IllegalArgumentException("key id " + e.getKey() + " is negative");
      }
      if (e.getValue() == null || e.getValue().length != 32) {
        throw new IllegalArgumentException(
            "key "
                + e.getKey()
                + " has "
                + (e.getValue() == null ? "no" : e.getValue().length)
                + " bytes; AES-256 needs 32");
      }
      copy.put(e.getKey(), e.getValue().clone());
    }
    if (!copy.containsKey(currentKeyId)) {
      throw new IllegalArgumentException("current key id " + currentKeyId + " has no key");
    }
    return new KeyProvider() {
      @Override
      public int currentKeyId() {
        return currentKeyId;
      }

      @Override
      public byte[] key(int keyId) {
        return copy.get(keyId);
      }

      @Override
      public String toString() {
        return "KeyProvider{current=" + currentKeyId + ", ids=" + copy.keySet() + "}";
      }
    };
  }

  /**
   * Reads a key file: UTF-8 text, one key per line as {@code <key id> <base64 of 32 bytes>}
   * (decimal id, standard base64), blank lines and lines starting with {@code #} ignored. The last
   * key listed is the current one, so rotating a key is appending a line. Keep the file readable by
   * the log's owner only.
   *
   * @throws IOException if the file cannot be read
   * @throws IllegalArgumentException naming the line that is malformed, a duplicate id, or an empty
   *     file
   */
  static KeyProvider fromKeyFile(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    Map<Integer, byte[]> keys = new LinkedHashMap<>();
    int current = -1;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String where = "key file " + file + " line " + (i + 1);
      String[] parts = line.split("\\s+");
      if (parts.length != 2) {
        throw new IllegalArgumentException(where + ": expected '<key id> <base64 key>'");
      }
      int id;
      byte[] key;
      try {
        id = Integer.parseInt(parts[0]);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(where + ": key id '" + parts[0] + "' is not a number");
      }
      try {
        key = Base64.getDecoder().decode(parts[1]);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + ": the key is not valid base64");
      }
      if (id < 0 || key.length != 32) {
        throw new IllegalArgumentException(
            where + ": key id must be >= 0 and the key 32 bytes (it has " + key.length + ")");
      }
      if (keys.put(id, key) != null) {
        throw new IllegalArgumentException(where + ": key id " + id + " appears twice");
      }
      current = id;
    }
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("key file " + file + " holds no key");
    }
    return of(current, keys);
  }
}
