package dev.pitstop.cleanup;

import java.time.Duration;
import java.time.Instant;

/**
 * One committed batch.
 *
 * @param rule the rule's name
 * @param batchSize the limit the batch ran with
 * @param deleted rows it deleted
 * @param started when its transaction began
 * @param took how long the transaction took, commit included
 */
public record BatchReport(
    String rule, int batchSize, int deleted, Instant started, Duration took) {}
