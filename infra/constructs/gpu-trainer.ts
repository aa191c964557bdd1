/**
 * The GPU trainer: an ECS cluster whose capacity is ECS Managed Instances with NVIDIA GPUs
 * (Fargate has none), scaling to zero when no trial runs, and the task definition that
 * runs the trainer image with one GPU. The network has public subnets only (no NAT gateway
 * to pay for while idle) and free gateway endpoints for S3 and DynamoDB; tasks use their
 * instance's network.
 */
import { Duration, RemovalPolicy, Size, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { CLOUD, PROJECT_ROOT } from '../config.js';
import { TRAINER_CONTAINER } from '../../src/workflow/container-task.js';
import type { Storage } from './storage.js';

export class GpuTrainer extends Construct {
  readonly cluster: ecs.Cluster;
  readonly capacityProvider: ecs.ManagedInstancesCapacityProvider;
  readonly taskDefinition: ecs.TaskDefinition;

  constructor(scope: Construct, id: string, props: { storage: Storage }) {
    super(scope, id);
    const vpc = new ec2.Vpc(this, 'Network', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 }],
      gatewayEndpoints: {
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
        DynamoDB: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
      },
      flowLogs: {
        rejected: {
          trafficType: ec2.FlowLogTrafficType.REJECT,
          destination: ec2.FlowLogDestination.toCloudWatchLogs(
            new logs.LogGroup(this, 'FlowLogs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
          ),
        },
      },
    });
    const securityGroup = new ec2.SecurityGroup(this, 'Instances', {
      vpc,
      description: 'GPU trainer instances: no inbound traffic; outbound for images, AWS APIs and events',
      allowAllOutbound: true,
    });

    this.cluster = new ecs.Cluster(this, 'Cluster', { vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });
    this.capacityProvider = new ecs.ManagedInstancesCapacityProvider(this, 'Gpu', {
      subnets: vpc.publicSubnets,
      securityGroups: [securityGroup],
      instanceRequirements: {
        vCpuCountMin: CLOUD.trainer.gpu.vcpu,
        memoryMin: Size.mebibytes(CLOUD.trainer.gpu.memoryMiB),
        acceleratorManufacturers: [ec2.AcceleratorManufacturer.NVIDIA],
        acceleratorTypes: [ec2.AcceleratorType.GPU],
        acceleratorCountMin: CLOUD.trainer.gpu.gpus,
        allowedInstanceTypes: [CLOUD.trainer.gpu.instanceType],
      },
    });
    this.cluster.addManagedInstancesCapacityProvider(this.capacityProvider);

    this.taskDefinition = new ecs.TaskDefinition(this, 'Task', {
      compatibility: ecs.Compatibility.MANAGED_INSTANCES,
      networkMode: ecs.NetworkMode.HOST,
      cpu: String(CLOUD.trainer.gpu.vcpu * 1024),
      memoryMiB: String(CLOUD.trainer.gpu.memoryMiB - 1024),
    });
    this.taskDefinition.addContainer(TRAINER_CONTAINER, {
      image: ecs.ContainerImage.fromAsset(PROJECT_ROOT, { file: 'containers/trainer/Dockerfile' }),
      gpuCount: CLOUD.trainer.gpu.gpus,
      essential: true,
      stopTimeout: Duration.seconds(30),
      logging: ecs.LogDrivers.awsLogs({
        streamPrefix: 'trainer',
        logGroup: new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
      }),
      environment: {
        MODELSMITH_TABLE: props.storage.table.tableName,
        MODELSMITH_BUCKET: props.storage.bucket.bucketName,
        MODELSMITH_EVENT_BUS: props.storage.bus.eventBusName,
        AWS_REGION: Stack.of(this).region,
      },
    });
    Validations.of(this.taskDefinition).acknowledge({
      id: 'AwsSolutions::AwsSolutions-ECS2',
      reason: 'The environment holds only resource names (table, bucket, event bus), no secrets.',
    });
  }
}
