package io.seglog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JsonTest {

  @Test
  void placesCommasInObjectsAndArrays() {
    String json =
        new Json()
            .beginObject()
            .field("a", 1)
            .field("b", true)
            .name("list")
            .beginArray()
            .beginObject()
            .field("x", "y")
            .endObject()
            .beginObject()
            .endObject()
            .value(3)
            .endArray()
            .name("empty")
            .beginArray()
            .endArray()
            .field("n", (String) null)
            .endObject()
            .toString();
    assertThat(json)
        .isEqualTo("{\"a\":1,\"b\":true,\"list\":[{\"x\":\"y\"},{},3],\"empty\":[],\"n\":null}");
  }

  @Test
  void escapesWhatJsonRequires() {
    String json = new Json().value("q\" b\\ n\n r\r t\t \u0001 \u2028 é 😀 \ud800").toString();
    assertThat(json).isEqualTo("\"q\\\" b\\\\ n\\n r\\r t\\t \\u0001 \\u2028 é 😀 \\ud800\"");
  }

  @Test
  void writesLongExtremes() {
    assertThat(new Json().beginArray().value(Long.MIN_VALUE).value(Long.MAX_VALUE).endArray())
        .hasToString("[-9223372036854775808,9223372036854775807]");
  }
}
