package dev.pitstop.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * An integration test class that runs beside the others, which run one after the other: in the
 * second lane, one class at a time, with the end-to-end classes. For classes that mostly wait (on
 * other processes, or on a server-side statement) and touch only a database of their own, so that
 * the suite's two lanes take about as long.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock(SecondLane.LOCK)
public @interface SecondLane {
  /** The lock every class of the second lane holds. */
  String LOCK = "pitstop-second-lane";
}
