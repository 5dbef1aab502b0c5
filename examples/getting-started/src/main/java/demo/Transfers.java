package demo;

import io.flowctl.client.ConsumerBuilder;
import io.flowctl.client.Flowctl;
import io.flowctl.client.ProcessorBuilder;
import io.flowctl.client.SourceBuilder;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** The same three roles about records: no vector code. */
public final class Transfers {
  public record Leg(String asset, long amount) {}

  public record Transfer(String id, Instant at, List<Leg> legs, Optional<String> memo, Long fee) {}

  public record Total(String asset, long amount) {}

  static SourceBuilder source() {
    return Flowctl.source("transfers")
        .output("demo.Transfer", Transfer.class) // the schema registered: the record's mapping
        .produceRecords(
            Transfer.class,
            out -> {
              for (int i = 0; i < 1_000; i++) {
                List<Leg> legs = List.of(new Leg(i % 2 == 0 ? "XLM" : "USDC", i));
                out.emit(new Transfer("t" + i, Instant.now(), legs, Optional.empty(), null));
              }
            });
  }

  static ProcessorBuilder totals() {
    return Flowctl.processor("totals")
        .input("demo.Transfer", Transfer.class)
        .output("demo.Total", Total.class)
        .onRecords(
            Transfer.class,
            Total.class,
            in -> {
              Map<String, Long> sums =
                  in.stream()
                      .flatMap(t -> t.legs().stream())
                      .collect(
                          Collectors.groupingBy(Leg::asset, Collectors.summingLong(Leg::amount)));
              return sums.entrySet().stream()
                  .map(e -> new Total(e.getKey(), e.getValue()))
                  .toList();
            });
  }

  static ConsumerBuilder sink(Flowctl.RecordConsumer<Total> received) {
    return Flowctl.consumer("sink")
        .input("demo.Total", Total.class)
        .onRecords(Total.class, received);
  }
}
