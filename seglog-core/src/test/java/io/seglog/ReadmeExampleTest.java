package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's library example, kept compiling and correct. */
class ReadmeExampleTest {

  @Test
  void readmeExampleWorksAsWritten(@TempDir Path dir) {
    LogConfig config =
        LogConfig.builder()
            .syncPolicy(SyncPolicy.ALWAYS) // append returns once the record is fsynced
            .segmentBytes(64 << 20) // roll to a new segment file every 64 MiB
            .build();
    List<String> printed = new ArrayList<>();

    try (Log log = Log.open(dir.resolve("wal"), config)) {
      long index = log.append("hello".getBytes(StandardCharsets.UTF_8));
      long first =
          log.appendBatch(
              List.of( // one frame: all or nothing after a crash
                  Entry.of("a".getBytes(StandardCharsets.UTF_8)),
                  Entry.of("b".getBytes(StandardCharsets.UTF_8), 7, System.currentTimeMillis())));

      Record r = log.read(index); // checksum verified on every read
      try (LogReader reader = log.reader(log.firstIndex(), log.lastIndex() + 1)) {
        while (reader.hasNext()) {
          Record next = reader.next();
          printed.add(next.index() + " type " + next.type() + ": " + next.size() + " bytes");
        }
      }

      assertThat(index).isEqualTo(1);
      assertThat(first).isEqualTo(2);
      assertThat(new String(r.payloadBytes(), StandardCharsets.UTF_8)).isEqualTo("hello");
      assertThat(log.durableIndex()).isEqualTo(3);
    }
    assertThat(printed)
        .containsExactly("1 type 0: 5 bytes", "2 type 0: 1 bytes", "3 type 7: 1 bytes");
  }
}
