package io.seglog.cli;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Renders a payload for humans on one line: {@code text:...} when it is valid UTF-8 made only of
 * printable characters, else {@code hex:...}. Thread-safe (stateless).
 */
final class PayloadText {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private PayloadText() {}

  /** {@code text:<payload>} or {@code hex:<payload as lowercase hex>}. */
  static String render(ByteBuffer payload) {
    String text = printableUtf8(payload.duplicate());
    return text != null ? "text:" + text : "hex:" + hex(payload.duplicate());
  }

  /** The payload as a string if it is valid UTF-8 and every code point is printable, else null. */
  static String printableUtf8(ByteBuffer payload) {
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    CharBuffer chars;
    try {
      chars = decoder.decode(payload);
    } catch (CharacterCodingException e) {
      return null;
    }
    String s = chars.toString();
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      if (!printable(cp)) {
        return null;
      }
      i += Character.charCount(cp);
    }
    return s;
  }

  private static boolean printable(int cp) {
    if (Character.isISOControl(cp)) {
      return false;
    }
    switch (Character.getType(cp)) {
      case Character.UNASSIGNED:
      case Character.LINE_SEPARATOR:
      case Character.PARAGRAPH_SEPARATOR:
      case Character.SURROGATE:
      case Character.PRIVATE_USE:
        return false;
      default:
        return true;
    }
  }

  static String hex(ByteBuffer payload) {
    StringBuilder sb = new StringBuilder(payload.remaining() * 2);
    while (payload.hasRemaining()) {
      int b = payload.get() & 0xFF;
      sb.append(HEX[b >> 4]).append(HEX[b & 0xF]);
    }
    return sb.toString();
  }
}
