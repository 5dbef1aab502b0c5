package io.flowctl.client.stream.internal;

import com.google.protobuf.Timestamp;
import io.flowctl.proto.Event;
import io.flowctl.proto.EventProcessorGrpc;
import io.flowctl.proto.ProcessorError;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import java.util.Objects;

/**
 * A processor on the legacy data plane ({@code flowctl.EventProcessor.Process}): every input event
 * becomes an output event. The next input is requested only while the output stream is ready, so a
 * slow reader of the outputs slows the sender of the inputs. A failing event answers with an event
 * of type {@link #ERROR_EVENT_TYPE} whose payload is a {@code ProcessorError}, and the stream goes
 * on.
 */
public final class LegacyProcessorService extends EventProcessorGrpc.EventProcessorImplBase {
  /** The event type of a {@code ProcessorError} answer. */
  public static final String ERROR_EVENT_TYPE = "flowctl.ProcessorError";

  /** Turns one event into one event. */
  @FunctionalInterface
  public interface Step {
    Event apply(Event in) throws Exception;
  }

  private final String processorId;
  private final Step step;

  public LegacyProcessorService(String processorId, Step step) {
    this.processorId = Objects.requireNonNull(processorId, "processorId");
    this.step = Objects.requireNonNull(step, "step");
  }

  @Override
  public StreamObserver<Event> process(StreamObserver<Event> responses) {
    ServerCallStreamObserver<Event> out = (ServerCallStreamObserver<Event>) responses;
    out.disableAutoRequest();
    out.setOnReadyHandler(
        () -> {
          if (out.isReady()) {
            out.request(1);
          }
        });
    return new StreamObserver<>() {
      @Override
      public void onNext(Event in) {
        Event result;
        try {
          result = step.apply(in);
        } catch (Exception x) {
          Instant now = Instant.now();
          result =
              Event.newBuilder()
                  .setEventType(ERROR_EVENT_TYPE)
                  .setPayload(
                      ProcessorError.newBuilder()
                          .setProcessorId(processorId)
                          .setErrorType("PROCESSING")
                          .setMessage(String.valueOf(x.getMessage()))
                          .setOriginalEvent(in.toByteString())
                          .setTimestamp(
                              Timestamp.newBuilder()
                                  .setSeconds(now.getEpochSecond())
                                  .setNanos(now.getNano()))
                          .build()
                          .toByteString())
                  .build();
        }
        out.onNext(result);
        if (out.isReady()) {
          out.request(1);
        }
      }

      @Override
      public void onError(Throwable t) {
        // the sender went away
      }

      @Override
      public void onCompleted() {
        out.onCompleted();
      }
    };
  }
}
