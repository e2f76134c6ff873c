package io.seglog;

import java.nio.file.Path;

/**
 * A frame cannot be decrypted because its key is missing from the {@link KeyProvider} or the key
 * given under its id is not the one the frame was written with. The data may be intact: reopen with
 * the right key. (A frame whose key is right but whose bytes fail authentication is damage: a
 * {@link CorruptLogException}.)
 */
public class EncryptionKeyException extends SeglogException {
  private static final long serialVersionUID = 1L;

  private final int keyId;
  private final transient Path file;
  private final long offset;

  public EncryptionKeyException(int keyId, Path file, long offset, String what) {
    super(what + " (key id " + keyId + ", frame in " + file + " at byte offset " + offset + ")");
    this.keyId = keyId;
    this.file = file;
    this.offset = offset;
  }

  /** The key id the frame names. */
  public int keyId() {
    return keyId;
  }

  /** The segment file holding the frame. */
  public Path file() {
    return file;
  }

  /** The byte offset of the frame in {@link #file()}. */
  public long offset() {
    return offset;
  }
}
