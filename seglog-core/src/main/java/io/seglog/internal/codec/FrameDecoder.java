package io.seglog.internal.codec;

import io.seglog.Compression;
import io.seglog.CorruptLogException;
import io.seglog.EncryptionKeyException;
import io.seglog.KeyProvider;
import io.seglog.internal.format.FormatException;
import io.seglog.internal.format.FrameEnvelope;
import io.seglog.internal.format.FrameHeader;
import io.seglog.internal.format.SegmentFormat;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * The reader side of coded frames: authenticates and decrypts, then decompresses, the body of a
 * checksum-verified coded frame, and checks that the records it yields fill it exactly and agree
 * with the envelope's timestamps. Thread-safe: any reader thread of a log calls it; derived keys
 * are cached.
 *
 * <p>Errors: a key that is missing or not the one the frame names (its key check differs) is an
 * {@link EncryptionKeyException}; a missing codec library a {@link
 * io.seglog.CodecUnavailableException}; anything else (a failed authentication tag, a body that
 * does not decompress, records that do not fit) is damage, a {@link CorruptLogException} naming the
 * file and the frame's offset.
 */
public final class FrameDecoder {
  /** Decodes compressed frames only: encrypted frames fail for want of a key. */
  public static final FrameDecoder WITHOUT_KEYS = new FrameDecoder(null);

  private static final int MAX_CACHED_KEYS = 1024;
  private static final int RETAINED_SCRATCH = 1 << 20;

  private final KeyProvider keys;
  private final Map<Integer, Integer> keyChecks = new ConcurrentHashMap<>();
  private final Map<SaltKey, SecretKeySpec> frameKeys = new ConcurrentHashMap<>();
  private final ThreadLocal<Cipher> ciphers = ThreadLocal.withInitial(FrameCrypto::cipher);
  private final ThreadLocal<byte[]> scratch = ThreadLocal.withInitial(() -> new byte[0]);

  /**
   * @param keys the keys of encrypted frames; null if there are none
   */
  public FrameDecoder(KeyProvider keys) {
    this.keys = keys;
  }

  /**
   * Decodes the coded frame at {@code off} of {@code b} (checksum already verified) into a buffer
   * laid out like a plain frame: a copy of its 32-byte header at 0 (with flags 0 and the decoded
   * body length), then the records. Returns {@code into} if it is large enough, else a new buffer.
   *
   * @param logId the log id of the segment, authenticated with every encrypted frame
   * @param path the segment, for errors
   * @param position the frame's offset in {@code path}, for errors
   */
  public ByteBuffer decode(
      ByteBuffer b,
      int off,
      FrameHeader h,
      int maxBody,
      UUID logId,
      Path path,
      long position,
      ByteBuffer into) {
    FrameEnvelope.Fields f;
    try {
      f =
          FrameEnvelope.read(
              b, off + SegmentFormat.FRAME_HEADER_BYTES, h.bodyLength(), h, maxBody, position);
    } catch (FormatException e) {
      throw new CorruptLogException(path, position, e.getMessage());
    }
    int flags = h.flags();
    int dataAt = off + SegmentFormat.FRAME_HEADER_BYTES + FrameEnvelope.headerBytes(flags);
    int dataLength = off + h.frameLength() - dataAt;
    int frameLength = SegmentFormat.FRAME_HEADER_BYTES + f.rawLength();
    ByteBuffer out =
        into != null && into.capacity() >= frameLength
            ? into.clear()
            : ByteBuffer.allocate(frameLength);
    out.limit(frameLength);
    byte[] src = b.array();
    int srcAt = b.arrayOffset() + dataAt;
    if ((flags & SegmentFormat.FLAG_ENCRYPTED) != 0) {
      byte[] plain = scratch.get();
      if (plain.length < dataLength) {
        plain = new byte[Math.max(dataLength, Math.min(plain.length * 2, RETAINED_SCRATCH))];
        if (plain.length <= RETAINED_SCRATCH) {
          scratch.set(plain); // a large frame's buffer is not kept per thread
        }
      }
      int n = decrypt(b, off, f, src, srcAt, dataLength, plain, logId, path, position);
      src = plain;
      srcAt = 0;
      dataLength = n;
    }
    int codec = flags & SegmentFormat.FLAG_CODEC_MASK;
    if (codec == SegmentFormat.CODEC_NONE) {
      if (dataLength != f.rawLength()) {
        throw new CorruptLogException(
            path,
            position,
            "frame holds " + dataLength + " bytes of records, its envelope says " + f.rawLength());
      }
      System.arraycopy(src, srcAt, out.array(), SegmentFormat.FRAME_HEADER_BYTES, dataLength);
    } else {
      Compressor c = Compressors.get(Compression.ofId(codec));
      try {
        c.decompress(
            src, srcAt, dataLength, out.array(), SegmentFormat.FRAME_HEADER_BYTES, f.rawLength());
      } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
        throw new CorruptLogException(
            path, position, "frame body does not decompress (" + e.getMessage() + ")");
      }
    }
    SegmentFormat.putFrameHeader(
        out, 0, frameLength, h.type(), 0, h.recordCount(), h.firstIndex(), h.syncedIndex());
    FrameHeader plain =
        new FrameHeader(f.rawLength(), h.type(), h.recordCount(), h.firstIndex(), h.syncedIndex());
    try {
      SegmentFormat.checkRecordsFit(out, 0, plain, position);
    } catch (FormatException e) {
      throw new CorruptLogException(path, position, "decoded " + e.getMessage());
    }
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    int p = SegmentFormat.FRAME_HEADER_BYTES;
    for (int i = 0; i < h.recordCount(); i++) {
      long ts = SegmentFormat.recordTimestamp(out, p);
      min = Math.min(min, ts);
      max = Math.max(max, ts);
      p += SegmentFormat.RECORD_HEADER_BYTES + SegmentFormat.recordLength(out, p);
    }
    if (min != f.minTimestamp() || max != f.maxTimestamp()) {
      throw new CorruptLogException(
          path,
          position,
          "decoded records span timestamps "
              + min
              + ".."
              + max
              + ", the envelope says "
              + f.minTimestamp()
              + ".."
              + f.maxTimestamp());
    }
    return out.position(0);
  }

  private int decrypt(
      ByteBuffer b,
      int off,
      FrameEnvelope.Fields f,
      byte[] src,
      int srcAt,
      int length,
      byte[] dst,
      UUID logId,
      Path path,
      long position) {
    int keyId = f.keyId();
    if (keys == null) {
      throw new EncryptionKeyException(
          keyId, path, position, "the frame is encrypted and no key provider is configured");
    }
    Integer check = keyChecks.get(keyId);
    SecretKeySpec frameKey = frameKeys.get(new SaltKey(keyId, f.salt()));
    if (check == null || frameKey == null) {
      byte[] key = keys.key(keyId);
      if (key == null) {
        throw new EncryptionKeyException(
            keyId, path, position, "the key provider has no key with the frame's key id");
      }
      if (key.length != 32) {
        throw new EncryptionKeyException(
            keyId, path, position, "the key provider's key has " + key.length + " bytes, not 32");
      }
      check = FrameCrypto.keyCheck(key);
      keyChecks.put(keyId, check);
      if (check == f.keyCheck()) {
        frameKey = FrameCrypto.frameKey(key, f.salt());
        if (frameKeys.size() >= MAX_CACHED_KEYS) {
          frameKeys.clear();
        }
        frameKeys.put(new SaltKey(keyId, f.salt()), frameKey);
      }
    }
    if (check != f.keyCheck()) {
      throw new EncryptionKeyException(
          keyId,
          path,
          position,
          "wrong key: the key provider's key for this id is not the one the frame was written"
              + " with (key check "
              + Integer.toHexString(check)
              + ", frame has "
              + Integer.toHexString(f.keyCheck())
              + ")");
    }
    Cipher cipher = ciphers.get();
    try {
      cipher.init(Cipher.DECRYPT_MODE, frameKey, FrameCrypto.nonce(f.counter()));
      cipher.updateAAD(FrameCrypto.aad(logId, b, off));
      return cipher.doFinal(src, srcAt, length, dst, 0);
    } catch (AEADBadTagException e) {
      throw new CorruptLogException(
          path,
          position,
          "frame fails authentication (AES-GCM tag mismatch with key id "
              + keyId
              + "): its bytes were altered");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM decryption failed", e);
    }
  }

  private record SaltKey(int keyId, byte[] salt) {
    @Override
    public boolean equals(Object o) {
      return o instanceof SaltKey k && k.keyId == keyId && Arrays.equals(k.salt, salt);
    }

    @Override
    public int hashCode() {
      return 31 * keyId + Arrays.hashCode(salt);
    }

    @Override
    public String toString() {
      return "SaltKey[" + keyId + "]";
    }
  }
}
