package io.seglog.internal.codec;

import io.seglog.internal.format.FrameEnvelope;
import io.seglog.internal.format.SegmentFormat;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.UUID;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The key derivation and AES-256-GCM parameters of encrypted frames (docs/FORMAT.md section 3.5).
 * Stateless; thread-safe.
 *
 * <p>A frame is never encrypted under the provider's key itself: each writer session draws a random
 * 128-bit salt per key and encrypts with the frame key {@code HMAC-SHA256(key, "seglog frame key
 * v2" || salt)}, under nonces {@code 0x00000000 || counter} with a counter that the session
 * increments per frame. Nonce uniqueness therefore never depends on what is on disk (a truncated
 * and rewritten tail, a copied directory, a restored backup, one key shared by several logs), only
 * on two sessions not drawing the same salt.
 */
final class FrameCrypto {
  private FrameCrypto() {}

  static final String CIPHER = "AES/GCM/NoPadding";
  static final int TAG_BITS = FrameEnvelope.TAG_BYTES * 8;
  private static final byte[] FRAME_KEY_LABEL =
      "seglog frame key v2".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] KEY_CHECK_LABEL =
      "seglog key check v2".getBytes(StandardCharsets.US_ASCII);

  /** The AES-256 key frames written in the session with {@code salt} are encrypted with. */
  static SecretKeySpec frameKey(byte[] key, byte[] salt) {
    Mac mac = hmac(key);
    mac.update(FRAME_KEY_LABEL);
    mac.update(salt);
    return new SecretKeySpec(mac.doFinal(), "AES");
  }

  /**
   * 32 bits that tell a wrong key from damage without helping an attacker: the first 4 bytes of
   * {@code HMAC-SHA256(key, "seglog key check v2")}.
   */
  static int keyCheck(byte[] key) {
    Mac mac = hmac(key);
    return ByteBuffer.wrap(mac.doFinal(KEY_CHECK_LABEL)).getInt();
  }

  static GCMParameterSpec nonce(long counter) {
    byte[] iv = new byte[FrameEnvelope.NONCE_BYTES];
    ByteBuffer.wrap(iv).putLong(4, counter);
    return new GCMParameterSpec(TAG_BITS, iv);
  }

  /**
   * The additional authenticated data of the frame at {@code frame}: the log id, the frame header
   * from byte 8 (type, flags, record count, first and synced index) and the envelope header.
   */
  static byte[] aad(UUID logId, ByteBuffer b, int frame) {
    int headerPart = SegmentFormat.FRAME_HEADER_BYTES - SegmentFormat.FRAME_AUTHENTICATED_FROM;
    byte[] aad = new byte[16 + headerPart + FrameEnvelope.ENCRYPTED_HEADER_BYTES];
    ByteBuffer a = ByteBuffer.wrap(aad);
    a.putLong(logId.getMostSignificantBits()).putLong(logId.getLeastSignificantBits());
    b.get(frame + SegmentFormat.FRAME_AUTHENTICATED_FROM, aad, 16, headerPart);
    b.get(
        frame + SegmentFormat.FRAME_HEADER_BYTES,
        aad,
        16 + headerPart,
        FrameEnvelope.ENCRYPTED_HEADER_BYTES);
    return aad;
  }

  static Cipher cipher() {
    try {
      return Cipher.getInstance(CIPHER);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JDK has " + CIPHER, e);
    }
  }

  private static Mac hmac(byte[] key) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JDK has HmacSHA256", e);
    }
  }
}
