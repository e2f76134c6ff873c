package io.seglog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PayloadTextTest {

  private static String render(byte[] bytes) {
    return PayloadText.render(ByteBuffer.wrap(bytes));
  }

  @Test
  void printableUtf8IsText() {
    assertThat(render("hello wörld {\"a\":1} 😀".getBytes(StandardCharsets.UTF_8)))
        .isEqualTo("text:hello wörld {\"a\":1} 😀");
  }

  @Test
  void emptyPayloadIsEmptyText() {
    assertThat(render(new byte[0])).isEqualTo("text:");
  }

  @Test
  void controlCharactersMakeItHex() {
    assertThat(render("a\nb".getBytes(StandardCharsets.UTF_8))).isEqualTo("hex:610a62");
    assertThat(render("tab\there".getBytes(StandardCharsets.UTF_8))).startsWith("hex:");
  }

  @Test
  void invalidUtf8IsHex() {
    assertThat(render(new byte[] {(byte) 0xC3, 0x28})).isEqualTo("hex:c328");
    assertThat(render(new byte[] {0, (byte) 0xFF, 0x10})).isEqualTo("hex:00ff10");
  }

  @Test
  void renderingDoesNotMoveTheBuffer() {
    ByteBuffer buffer = ByteBuffer.wrap("abc".getBytes(StandardCharsets.US_ASCII));
    PayloadText.render(buffer);
    assertThat(buffer.remaining()).isEqualTo(3);
  }
}
