/** Types shared by every flowctl-java module: the {@link io.flowctl.FlowctlException} hierarchy. */
package io.flowctl;
