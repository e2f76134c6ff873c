package io.seglog.cli;

/**
 * A minimal streaming JSON writer: enough for the tool's one-line reports, with correct string
 * escaping and commas placed automatically. Not thread-safe.
 *
 * <pre>{@code
 * String s = new Json().beginObject().name("index").value(7).endObject().toString();
 * // {"index":7}
 * }</pre>
 */
final class Json {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private final StringBuilder out = new StringBuilder();

  /** Per nesting level, whether a value has been written at it (a comma is due before the next). */
  private long hasValueBits;

  private int depth;

  /** Set after {@link #name}: the value that follows needs no comma. */
  private boolean afterName;

  Json beginObject() {
    return open('{');
  }

  Json endObject() {
    return close('}');
  }

  Json beginArray() {
    return open('[');
  }

  Json endArray() {
    return close(']');
  }

  /** Writes an object member's name; its value must follow. */
  Json name(String name) {
    separate();
    string(name);
    out.append(':');
    afterName = true;
    return this;
  }

  Json value(long value) {
    separate();
    out.append(value);
    return this;
  }

  Json value(boolean value) {
    separate();
    out.append(value);
    return this;
  }

  /** A string value, or null. */
  Json value(String value) {
    separate();
    if (value == null) {
      out.append("null");
    } else {
      string(value);
    }
    return this;
  }

  /** Shorthand for {@code name(name).value(value)}. */
  Json field(String name, long value) {
    return name(name).value(value);
  }

  /** Shorthand for {@code name(name).value(value)}. */
  Json field(String name, boolean value) {
    return name(name).value(value);
  }

  /** Shorthand for {@code name(name).value(value)}. */
  Json field(String name, String value) {
    return name(name).value(value);
  }

  @Override
  public String toString() {
    return out.toString();
  }

  private Json open(char c) {
    separate();
    if (depth == 63) {
      throw new IllegalStateException("JSON nested deeper than 63 levels");
    }
    out.append(c);
    depth++;
    hasValueBits &= ~(1L << depth);
    return this;
  }

  private Json close(char c) {
    if (depth == 0) {
      throw new IllegalStateException("unbalanced " + c);
    }
    depth--;
    out.append(c);
    return this;
  }

  private void separate() {
    if (afterName) {
      afterName = false;
      return;
    }
    if ((hasValueBits & (1L << depth)) != 0) {
      out.append(',');
    }
    hasValueBits |= 1L << depth;
  }

  private void string(String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"':
          out.append("\\\"");
          break;
        case '\\':
          out.append("\\\\");
          break;
        case '\n':
          out.append("\\n");
          break;
        case '\r':
          out.append("\\r");
          break;
        case '\t':
          out.append("\\t");
          break;
        default:
          if (c < 0x20 || c == 0x2028 || c == 0x2029 || isLoneSurrogate(s, i)) {
            out.append("\\u")
                .append(HEX[(c >> 12) & 0xF])
                .append(HEX[(c >> 8) & 0xF])
                .append(HEX[(c >> 4) & 0xF])
                .append(HEX[c & 0xF]);
          } else {
            out.append(c);
          }
      }
    }
    out.append('"');
  }

  private static boolean isLoneSurrogate(String s, int i) {
    char c = s.charAt(i);
    if (Character.isHighSurrogate(c)) {
      return i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1));
    }
    if (Character.isLowSurrogate(c)) {
      return i == 0 || !Character.isHighSurrogate(s.charAt(i - 1));
    }
    return false;
  }
}
