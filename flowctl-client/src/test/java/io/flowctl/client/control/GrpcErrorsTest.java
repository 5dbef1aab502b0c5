package io.flowctl.client.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowctl.FlowctlException;
import io.flowctl.client.control.internal.GrpcErrors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class GrpcErrorsTest {
  @ParameterizedTest
  @EnumSource(FlowctlException.Code.class)
  void everyCode_isAnsweredAsTheStatusOfItsName_andReadBackAsItself(FlowctlException.Code code) {
    StatusRuntimeException status = GrpcErrors.toStatus(new FlowctlException(code, "why"));

    assertThat(status.getStatus().getCode().name()).isEqualTo(code.name());
    assertThat(status.getStatus().getDescription()).isEqualTo("why");
    FlowctlException back = GrpcErrors.toException(status, "the call");
    assertThat(back.code()).isEqualTo(code);
    assertThat(back).hasMessage("the call: why").hasCause(status);
  }

  @ParameterizedTest
  @EnumSource(Status.Code.class)
  void aStatusWithALibraryCodeOfItsName_becomesThatCode(Status.Code code) {
    FlowctlException e =
        GrpcErrors.toException(Status.fromCode(code).asRuntimeException(), "the call");

    assertThat(e.getMessage()).isEqualTo("the call: " + code.name());
    boolean named =
        java.util.Arrays.stream(FlowctlException.Code.values())
            .anyMatch(c -> c.name().equals(code.name()));
    if (named) {
      assertThat(e.code().name()).isEqualTo(code.name());
    }
  }

  @org.junit.jupiter.api.Test
  void anythingElse_isInternal() {
    assertThat(GrpcErrors.toStatus(new IllegalStateException("bug")).getStatus().getCode())
        .isEqualTo(Status.Code.INTERNAL);
  }
}
