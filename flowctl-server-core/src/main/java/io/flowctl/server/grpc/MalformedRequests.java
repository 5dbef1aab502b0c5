package io.flowctl.server.grpc;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import java.util.HashMap;
import java.util.Map;

/**
 * Refuses request bytes that are not the method's message with {@code INVALID_ARGUMENT}, naming the
 * message type and what protobuf found wrong. Left alone, grpc-java parses requests before any
 * interceptor or handler sees them and answers a parse failure with {@code UNKNOWN} ("Application
 * error processing RPC"), logging a stack trace per call: unhelpful to the caller, and a way for
 * any client to flood the server's log.
 */
final class MalformedRequests implements ServerInterceptor {
  private final Map<String, String> requestTypes;

  private MalformedRequests(Map<String, String> requestTypes) {
    this.requestTypes = requestTypes;
  }

  /**
   * The service with parsing moved inside its calls (as streams), where a failure becomes an
   * INVALID_ARGUMENT answer.
   */
  static ServerServiceDefinition refuse(ServerServiceDefinition service) {
    Map<String, String> types = new HashMap<>();
    for (ServerMethodDefinition<?, ?> m : service.getMethods()) {
      MethodDescriptor<?, ?> d = m.getMethodDescriptor();
      String type =
          d.getRequestMarshaller() instanceof MethodDescriptor.PrototypeMarshaller<?> p
                  && p.getMessagePrototype() instanceof Message message
              ? message.getDescriptorForType().getFullName()
              : "request";
      types.put(d.getFullMethodName(), type);
    }
    return ServerInterceptors.intercept(
        ServerInterceptors.useInputStreamMessages(service), new MalformedRequests(types));
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    return new SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
      private boolean refused;

      @Override
      public void onMessage(Q message) {
        if (refused) {
          return;
        }
        try {
          super.onMessage(message);
        } catch (RuntimeException e) {
          InvalidProtocolBufferException cause = parseFailure(e);
          if (cause == null) {
            throw e;
          }
          refused = true;
          String method = call.getMethodDescriptor().getFullMethodName();
          call.close(
              Status.INVALID_ARGUMENT.withDescription(
                  method
                      + ": the request is not a valid "
                      + requestTypes.getOrDefault(method, "request")
                      + " ("
                      + cause.getMessage()
                      + ")"),
              new Metadata());
        }
      }

      @Override
      public void onHalfClose() {
        if (!refused) {
          super.onHalfClose();
        }
      }

      @Override
      public void onReady() {
        if (!refused) {
          super.onReady();
        }
      }
    };
  }

  private static InvalidProtocolBufferException parseFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof InvalidProtocolBufferException p) {
        return p;
      }
    }
    return null;
  }
}
