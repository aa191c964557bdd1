/**
 * The EventBridge rules of a deployment: uploads under `specs/` start searches, executions
 * that end outside their own failure handling mark their search failed, and every
 * modelsmith event is logged. Deployment targets plug in with {@link SearchEventRules.onEvents}.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { SearchEventType } from '../src/ports/event-bus.js';
import { EVENT_SOURCE } from './schemas.js';

export interface SearchEventRulesProps {
  readonly bus: events.IEventBus;
  readonly bucket: s3.IBucket;
  readonly stateMachine: sfn.IStateMachine;
  /** Starts a search for each spec uploaded under `specs/`. */
  readonly specUploaded: lambda.IFunction;
  /** Marks a search failed when its execution ends abnormally. */
  readonly executionEnded: lambda.IFunction;
}

export class SearchEventRules extends Construct {
  /** Events no target could take after retries. */
  readonly deadLetters: sqs.Queue;
  private readonly bus: events.IEventBus;

  constructor(scope: Construct, id: string, props: SearchEventRulesProps) {
    super(scope, id);
    this.bus = props.bus;
    this.deadLetters = new sqs.Queue(this, 'DeadLetters', {
      retentionPeriod: Duration.days(14),
      enforceSSL: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
    });
    const delivery = { deadLetterQueue: this.deadLetters, retryAttempts: 4, maxEventAge: Duration.hours(2) };

    new events.Rule(this, 'SpecUploaded', {
      description: 'A spec uploaded under specs/ starts a search',
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: { bucket: { name: [props.bucket.bucketName] }, object: { key: [{ prefix: 'specs/' }] } },
      },
      targets: [new targets.LambdaFunction(props.specUploaded, delivery)],
    });

    new events.Rule(this, 'ExecutionEnded', {
      description: 'A search execution that failed, timed out or was stopped marks its search failed',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [props.stateMachine.stateMachineArn] },
      },
      targets: [new targets.LambdaFunction(props.executionEnded, delivery)],
    });

    this.onEvents('LogAll', [], new targets.CloudWatchLogGroup(
      new logs.LogGroup(this, 'EventLog', { retention: logs.RetentionDays.SIX_MONTHS, removalPolicy: RemovalPolicy.DESTROY }),
    ));
  }

  /** Route search events (all of them when `types` is empty) to a target, e.g. a deployment. */
  onEvents(id: string, types: readonly SearchEventType[], target: events.IRuleTarget): events.Rule {
    return new events.Rule(this, id, {
      eventBus: this.bus,
      eventPattern: { source: [EVENT_SOURCE], ...(types.length ? { detailType: [...types] } : {}) },
      targets: [target],
    });
  }
}
