package io.seglog.internal.codec;

import io.seglog.Compression;
import io.seglog.KeyProvider;
import io.seglog.internal.format.FrameEnvelope;
import io.seglog.internal.format.SegmentFormat;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * The writer side of coded frames: compresses, then encrypts, the body of a records frame the
 * {@code FrameEncoder} laid out in plain form, and seals it with its flags and checksum. Not
 * thread-safe: the log's writer (holding its append lock) owns it, and one instance is one writer
 * session for the nonce argument (docs/FORMAT.md section 3.5): per key it draws one random salt and
 * counts frames from 0.
 */
public final class FrameCoder {
  private final Compression compression;
  private final int minBytes;
  private final KeyProvider keys;
  private final SecureRandom saltSource;
  private final Map<Integer, Session> sessions = new HashMap<>();
  private byte[] raw = new byte[0];
  private byte[] packed = new byte[0];
  private ByteBuffer out = ByteBuffer.allocate(0);
  private Cipher cipher;

  /**
   * @param compression the codec of new frames
   * @param minBytes bodies shorter than this are not compressed
   * @param keys encrypts new frames with its current key; null for no encryption
   * @param saltSource draws the session salts; a fresh {@link SecureRandom} outside golden-file
   *     tests
   * @throws io.seglog.CodecUnavailableException if the codec's library is missing
   */
  public FrameCoder(
      Compression compression, int minBytes, KeyProvider keys, SecureRandom saltSource) {
    this.compression = compression;
    this.minBytes = minBytes;
    this.keys = keys;
    this.saltSource = saltSource;
    if (compression != Compression.NONE) {
      Compressors.get(compression); // fail at open, not at the first append
    }
  }

  /**
   * The version of the segments a log with {@code config} creates: 2 if it compresses or encrypts,
   * else 1, so that a plain log stays readable by version 1 readers (docs/FORMAT.md section 10).
   */
  public static int segmentVersionFor(io.seglog.LogConfig config) {
    return config.compression() != Compression.NONE || config.encryption() != null
        ? SegmentFormat.VERSION_2
        : SegmentFormat.VERSION;
  }

  /**
   * Checks that the codec {@code config} compresses with can be loaded, and that its key provider
   * has its current key.
   *
   * @throws io.seglog.CodecUnavailableException naming the missing library
   * @throws IllegalArgumentException if the current key is missing or not 32 bytes
   */
  public static void checkAvailable(io.seglog.LogConfig config) {
    if (config.compression() != Compression.NONE) {
      Compressors.get(config.compression());
    }
    KeyProvider keys = config.encryption();
    if (keys != null) {
      int id = keys.currentKeyId();
      byte[] key = keys.key(id);
      if (id < 0 || key == null || key.length != 32) {
        throw new IllegalArgumentException(
            "the key provider's current key id "
                + id
                + (id < 0
                    ? " is negative"
                    : key == null
                        ? " has no key"
                        : " has a key of " + key.length + " bytes, not 32"));
      }
    }
  }

  /** Whether frames may come out coded, so they need a version 2 segment. */
  public boolean codes() {
    return compression != Compression.NONE || keys != null;
  }

  /**
   * Codes the plain records frame {@code frame} (position 0, limit its length; header not yet
   * sealed). Returns a frame to write, sealed: {@code frame} itself, sealed with flags 0, when
   * neither compression (too small, or no gain) nor encryption applies. The result is valid until
   * the next call.
   */
  public ByteBuffer code(
      ByteBuffer frame, int count, long first, long synced, long minTs, long maxTs, UUID logId) {
    int frameLength = frame.limit();
    int rawLength = frameLength - SegmentFormat.FRAME_HEADER_BYTES;
    int codec = SegmentFormat.CODEC_NONE;
    int dataLength = rawLength;
    byte[] data = null;
    if (compression != Compression.NONE && rawLength >= minBytes) {
      Compressor c = Compressors.get(compression);
      raw = grow(raw, rawLength);
      frame.get(SegmentFormat.FRAME_HEADER_BYTES, raw, 0, rawLength);
      packed = grow(packed, c.maxCompressedLength(rawLength));
      int n = c.compress(raw, 0, rawLength, packed, 0);
      // Kept only if it saves bytes, envelope included: a coded body never exceeds the raw one
      // by more than the encryption overhead (FrameEnvelope.MAX_OVERHEAD).
      if (n + FrameEnvelope.PLAIN_HEADER_BYTES < rawLength) {
        codec = compression.id();
        data = packed;
        dataLength = n;
      }
    }
    if (codec == SegmentFormat.CODEC_NONE && keys == null) {
      SegmentFormat.sealFrame(
          frame, 0, frameLength, SegmentFormat.FRAME_RECORDS, count, first, synced);
      return frame;
    }
    if (data == null) {
      raw = grow(raw, rawLength);
      frame.get(SegmentFormat.FRAME_HEADER_BYTES, raw, 0, rawLength);
      data = raw;
    }
    int flags = codec | (keys != null ? SegmentFormat.FLAG_ENCRYPTED : 0);
    int envelope = FrameEnvelope.headerBytes(flags);
    int dataAt = SegmentFormat.FRAME_HEADER_BYTES + envelope;
    int end = dataAt + dataLength + (keys != null ? FrameEnvelope.TAG_BYTES : 0);
    if (out.capacity() < end) {
      out = ByteBuffer.allocate(Math.max(end, out.capacity() * 2));
    }
    ByteBuffer b = out.clear();
    SegmentFormat.putFrameHeader(
        b, 0, end, SegmentFormat.FRAME_RECORDS, flags, count, first, synced);
    if (keys == null) {
      FrameEnvelope.put(
          b,
          SegmentFormat.FRAME_HEADER_BYTES,
          flags,
          new FrameEnvelope.Fields(rawLength, minTs, maxTs, 0, 0, null, 0));
      b.put(dataAt, data, 0, dataLength);
    } else {
      Session s = session(keys.currentKeyId());
      long counter = s.counter++;
      FrameEnvelope.put(
          b,
          SegmentFormat.FRAME_HEADER_BYTES,
          flags,
          new FrameEnvelope.Fields(rawLength, minTs, maxTs, s.keyId, s.keyCheck, s.salt, counter));
      try {
        if (cipher == null) {
          cipher = FrameCrypto.cipher();
        }
        cipher.init(Cipher.ENCRYPT_MODE, s.frameKey, FrameCrypto.nonce(counter));
        cipher.updateAAD(FrameCrypto.aad(logId, b, 0));
        int n = cipher.doFinal(data, 0, dataLength, b.array(), b.arrayOffset() + dataAt);
        if (dataAt + n != end) {
          throw new IllegalStateException("encrypted " + n + " bytes, expected " + (end - dataAt));
        }
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("AES-GCM encryption failed", e);
      }
    }
    SegmentFormat.putFrameChecksum(b, 0, end);
    return b.limit(end).position(0);
  }

  private Session session(int keyId) {
    Session s = sessions.get(keyId);
    if (s == null) {
      byte[] key = keys.key(keyId);
      if (key == null || key.length != 32) {
        throw new IllegalStateException(
            "the key provider has no 32-byte key for its current key id " + keyId);
      }
      byte[] salt = new byte[FrameEnvelope.SALT_BYTES];
      saltSource.nextBytes(salt);
      s = new Session(keyId, FrameCrypto.keyCheck(key), salt, FrameCrypto.frameKey(key, salt));
      sessions.put(keyId, s);
    }
    if (s.counter == Long.MAX_VALUE) {
      // 2^63 frames of one session: unreachable in practice; a new salt starts a new session.
      sessions.remove(keyId);
      return session(keyId);
    }
    return s;
  }

  private static byte[] grow(byte[] a, int n) {
    return a.length >= n ? a : new byte[Math.max(n, a.length * 2)];
  }

  private static final class Session {
    final int keyId;
    final int keyCheck;
    final byte[] salt;
    final SecretKeySpec frameKey;
    long counter;

    Session(int keyId, int keyCheck, byte[] salt, SecretKeySpec frameKey) {
      this.keyId = keyId;
      this.keyCheck = keyCheck;
      this.salt = salt;
      this.frameKey = frameKey;
    }
  }
}
