package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Storage#inMemory()} through the public API, as a user's unit test would use it. */
class InMemoryStorageTest {

  @Test
  void aLogInMemoryWorksAsOnDiskAndNeverTouchesTheDisk(@TempDir Path tmp) {
    Storage storage = Storage.inMemory();
    assertThat(storage.isInMemory()).isTrue();
    Path dir = tmp.resolve("a/b/wal");
    LogConfig config = LogConfig.builder().segmentBytes(4096).syncPolicy(SyncPolicy.ALWAYS).build();
    try (Log log = Log.open(dir, config, storage)) {
      for (int i = 0; i < 100; i++) {
        log.append(("record " + i).getBytes(StandardCharsets.UTF_8));
      }
      log.appendBatch(List.of(Entry.of(new byte[3000]), Entry.of(new byte[3000], 9, 42)));
      assertThat(log.segments()).as("it rolled").hasSizeGreaterThan(2);
      assertThat(log.durableIndex()).isEqualTo(102);
      // a second writer is refused, a reader beside the writer works
      assertThatThrownBy(() -> Log.open(dir, config, storage))
          .isInstanceOf(LogLockedException.class);
      try (Log ro = Log.openReadOnly(dir, config, storage)) {
        assertThat(ro.lastIndex()).isEqualTo(102);
        assertThat(ro.read(102).type()).isEqualTo(9);
      }
    }
    assertThat(tmp.resolve("a")).as("nothing on disk").doesNotExist();
    try (Log log = Log.open(dir, config, storage)) {
      assertThat(log.recoveryReport().isClean()).isTrue();
      assertThat(log.firstIndex()).isEqualTo(1);
      assertThat(log.lastIndex()).isEqualTo(102);
      assertThat(new String(log.read(57).payloadBytes(), StandardCharsets.UTF_8))
          .isEqualTo("record 56");
      assertThat(log.read(102).timestamp()).isEqualTo(42);
    }
    assertThat(LogVerifier.verify(dir, storage).intact()).isTrue();
  }

  @Test
  void eachInMemoryStorageIsSeparate(@TempDir Path tmp) {
    Path dir = tmp.resolve("wal");
    Storage one = Storage.inMemory();
    try (Log log = Log.open(dir, LogConfig.defaults(), one)) {
      log.append(new byte[1]);
    }
    assertThatThrownBy(() -> Log.openReadOnly(dir, LogConfig.defaults(), Storage.inMemory()))
        .isInstanceOf(NoSuchLogException.class);
    assertThatThrownBy(() -> Log.openReadOnly(dir, LogConfig.defaults()))
        .as("nor is it on disk")
        .isInstanceOf(NoSuchLogException.class);
    try (Log log = Log.open(dir, LogConfig.defaults(), Storage.inMemory())) {
      assertThat(log.lastIndex()).as("a new, empty log").isZero();
    }
    assertThat(Files.exists(dir)).isFalse();
  }

  @Test
  void theFileSystemStorageIsTheDefault(@TempDir Path tmp) {
    Path dir = tmp.resolve("wal");
    try (Log log = Log.open(dir, LogConfig.defaults(), Storage.fileSystem())) {
      log.append(new byte[1]);
    }
    try (Log log = Log.openReadOnly(dir, LogConfig.defaults())) {
      assertThat(log.lastIndex()).isEqualTo(1);
    }
    assertThat(Storage.fileSystem().isInMemory()).isFalse();
    assertThatThrownBy(() -> Log.open(dir, LogConfig.defaults(), (Storage) null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("storage");
  }
}
