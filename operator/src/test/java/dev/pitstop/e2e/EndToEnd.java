package dev.pitstop.e2e;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * An end-to-end test class: it runs beside the other integration tests (which run one after the
 * other on the in-process API server), since it mostly waits on other processes, and one at a time
 * with the other end-to-end classes, which share the control plane, its CRDs and the Lease.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag("e2e")
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock(EndToEnd.CONTROL_PLANE)
@interface EndToEnd {
  String CONTROL_PLANE = "pitstop-e2e-control-plane";
}
