package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Regression: an {@link Log#appendStream} source is read under the append lock while its record is
 * written at the end of the active segment, past the published size. A write from the source (an
 * append, a roll, another stream) went to that same offset: the nested record and the streamed one
 * overwrote each other and took the same index, and the log no longer opened. Such a write is now
 * refused with {@link IllegalStateException}; the stream and the log are unharmed.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES) // a hang guard only: nothing here waits
class WriteFromStreamSourceTest {
  @TempDir Path dir;

  static List<Arguments> writes() {
    List<Arguments> all = new java.util.ArrayList<>();
    for (SyncPolicy policy : List.of(SyncPolicy.NONE, SyncPolicy.ALWAYS)) {
      all.add(Arguments.of(policy, "append", (Consumer<Log>) log -> log.append(bytes("nested"))));
      all.add(
          Arguments.of(
              policy,
              "appendBatch",
              (Consumer<Log>) log -> log.appendBatch(List.of(Entry.of(bytes("nested"))))));
      all.add(
          Arguments.of(
              policy, "appendAsync", (Consumer<Log>) log -> log.appendAsync(bytes("nested"))));
      all.add(Arguments.of(policy, "roll", (Consumer<Log>) Log::roll));
      all.add(
          Arguments.of(
              policy,
              "appendStream",
              (Consumer<Log>)
                  log -> {
                    try {
                      log.appendStream(new ByteArrayInputStream(bytes("nested")), 16);
                    } catch (java.io.IOException e) {
                      throw new java.io.UncheckedIOException(e);
                    }
                  }));
    }
    return all;
  }

  @ParameterizedTest(name = "{1} under {0}")
  @MethodSource("writes")
  void aWriteFromTheSourceIsRefusedAndTheStreamIsWhole(
      SyncPolicy policy, String what, Consumer<Log> write) throws Exception {
    LogConfig config = LogConfig.builder().syncPolicy(policy).build();
    Throwable[] refused = new Throwable[1];
    byte[] streamed = bytes("streamed payload");
    try (Log log = Log.open(dir, config)) {
      log.append(bytes("a"));
      InputStream source =
          new InputStream() {
            int next;

            @Override
            public int read() {
              if (next == 1) { // once the stream's first byte is written
                try {
                  write.accept(log);
                } catch (Throwable t) {
                  refused[0] = t;
                }
              }
              return next < streamed.length ? streamed[next++] : -1;
            }
          };
      assertThat(log.appendStream(source, 64)).isEqualTo(2);
      assertContent(log, streamed);
      assertThat(log.append(bytes("after"))).isEqualTo(3);
    }
    try (Log reopened = Log.open(dir, config)) {
      assertThat(reopened.lastIndex()).isEqualTo(3);
      assertContent(reopened, streamed);
    }
    assertThat(refused[0])
        .as(what + " from an appendStream source")
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("appendStream source");
  }

  private static void assertContent(Log log, byte[] streamed) {
    assertThat(log.read(1).payloadBytes()).isEqualTo(bytes("a"));
    assertThat(log.read(2).payloadBytes()).isEqualTo(streamed);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
