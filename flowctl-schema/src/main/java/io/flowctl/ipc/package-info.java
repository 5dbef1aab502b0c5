/**
 * The one hardened way into Arrow IPC bytes: schemas and batches of streams and files, from memory
 * or from disk. Every declared length is checked against the bytes present and against {@link
 * io.flowctl.ipc.IpcLimits} before anything is allocated, every batch's layout is checked before a
 * caller sees it, and a failure releases everything it allocated. {@link io.flowctl.ipc.ArrowIpc}
 * is the entry point; every module and command of flowctl-java reads IPC through it.
 */
package io.flowctl.ipc;
