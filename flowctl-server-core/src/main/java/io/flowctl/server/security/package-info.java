/**
 * Who may call: TLS and mutual TLS from PEM files ({@link io.flowctl.server.security.PemTls}) and
 * bearer tokens ({@link io.flowctl.server.security.BearerTokenInterceptor}), each refusal one
 * rate-limited log line.
 */
package io.flowctl.server.security;
