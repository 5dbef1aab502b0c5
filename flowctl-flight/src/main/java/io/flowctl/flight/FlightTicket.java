package io.flowctl.flight;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.arrow.flight.Ticket;

/**
 * The ticket grammar of the plan's Arrow source, stellar-arrow-source: {@code
 * stream[:start_ledger[:end_ledger]]}, a missing or non-numeric bound read as 0, an end of 0
 * meaning unbounded (live). Java sources serving Flight take the same tickets.
 *
 * @param stream the stream's name ({@code ttp_events}, {@code stellar_ledger}, ...)
 * @param startLedger the first ledger, 0 from the start
 * @param endLedger the last ledger, 0 for unbounded
 */
public record FlightTicket(String stream, long startLedger, long endLedger) {
  public FlightTicket {
    if (stream == null || stream.isEmpty() || stream.indexOf(':') >= 0) {
      throw new IllegalArgumentException(
          "a Flight stream name is non-empty without ':': " + stream);
    }
    if (startLedger < 0 || endLedger < 0) {
      throw new IllegalArgumentException(
          "ledgers are not negative: " + startLedger + ", " + endLedger);
    }
  }

  /** Reads a ticket's text as stellar-arrow-source does (lenient about the bounds). */
  public static FlightTicket parse(String text) {
    String[] parts = text.split(":", -1);
    return new FlightTicket(parts[0], bound(parts, 1), bound(parts, 2));
  }

  /** Reads a ticket's bytes (UTF-8 text). */
  public static FlightTicket of(Ticket ticket) {
    return parse(new String(ticket.getBytes(), StandardCharsets.UTF_8));
  }

  /**
   * The ticket for a stream with the parameters upstream's runner passes a source ({@code
   * start_ledger}, {@code end_ledger}).
   */
  public static FlightTicket fromParams(String stream, Map<String, String> params) {
    return new FlightTicket(
        stream, number(params.get("start_ledger")), number(params.get("end_ledger")));
  }

  /**
   * The parameters a source's producer sees for this ticket ({@code start_ledger}, {@code
   * end_ledger}).
   */
  public Map<String, String> params() {
    return Map.of(
        "start_ledger", Long.toString(startLedger), "end_ledger", Long.toString(endLedger));
  }

  /** The same stream from another ledger on (to resume). */
  public FlightTicket from(long ledger) {
    return new FlightTicket(stream, ledger, endLedger);
  }

  /** The ticket's text: the stream alone when both bounds are 0. */
  public String text() {
    if (startLedger == 0 && endLedger == 0) {
      return stream;
    }
    return stream + ":" + startLedger + (endLedger == 0 ? "" : ":" + endLedger);
  }

  /** As Arrow's ticket. */
  public Ticket toTicket() {
    return new Ticket(text().getBytes(StandardCharsets.UTF_8));
  }

  private static long bound(String[] parts, int i) {
    return i < parts.length ? number(parts[i]) : 0;
  }

  private static long number(String s) {
    if (s == null) {
      return 0;
    }
    try {
      long v = Long.parseLong(s.strip());
      return v < 0 || v > 0xFFFFFFFFL ? 0 : v; // ledgers are uint32, as the Go source parses them
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
