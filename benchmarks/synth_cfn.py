"""Synthetic CloudFormation YAML templates for the kmslint benchmarks.

Templates are written as text (not dumped from dicts) so they carry the short-form intrinsics
(``!Ref``, ``!Sub``, ``!GetAtt``) that real templates use. ``fill`` is shared with the Terraform side.
"""

from __future__ import annotations

import random

from synth_tf import fill, spread

CFN_THEMES: tuple[str, ...] = ("s3", "queue", "topic", "dynamodb", "role", "lambda", "security_group")

HEADER = """AWSTemplateFormatVersion: "2010-09-09"
Description: @description@
@parameters@
Resources:
@resources@
Outputs:
@outputs@"""

ENV_PARAMETER = """  Environment:
    Type: String
    Default: @env@
    AllowedValues: [dev, staging, prod]
"""

RESOURCES: dict[str, str] = {
    "s3": """  Bucket:
    Type: AWS::S3::Bucket
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
    Properties:
      BucketName: !Sub "@name@-${Environment}"
      VersioningConfiguration:
        Status: Enabled
      PublicAccessBlockConfiguration:
        BlockPublicAcls: true
        BlockPublicPolicy: true
        IgnorePublicAcls: true
        RestrictPublicBuckets: true
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault:
              SSEAlgorithm: AES256
""",
    "queue": """  DeadLetterQueue:
    Type: AWS::SQS::Queue
    Properties:
      MessageRetentionPeriod: 1209600
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub "@name@-${Environment}"
      VisibilityTimeout: @timeout@
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt DeadLetterQueue.Arn
        maxReceiveCount: 5
""",
    "topic": """  Topic:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: !Sub "@name@-${Environment}"
  Subscription:
    Type: AWS::SNS::Subscription
    Properties:
      TopicArn: !Ref Topic
      Protocol: email
      Endpoint: oncall@example.com
""",
    "dynamodb": """  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub "@name@-${Environment}"
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - AttributeName: pk
          AttributeType: S
      KeySchema:
        - AttributeName: pk
          KeyType: HASH
      PointInTimeRecoverySpecification:
        PointInTimeRecoveryEnabled: true
""",
    "role": """  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !Sub "@name@-${Environment}"
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal:
              Service: ec2.amazonaws.com
            Action: sts:AssumeRole
      ManagedPolicyArns:
        - !Sub "arn:${AWS::Partition}:iam::aws:policy/ReadOnlyAccess"
      Policies:
        - PolicyName: read-config
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action:
                  - ssm:GetParameter
                Resource: !Sub "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/@name@/*"
""",
    "lambda": """  FunctionRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal:
              Service: lambda.amazonaws.com
            Action: sts:AssumeRole
  Function:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: !Sub "@name@-${Environment}"
      Runtime: python3.11
      Handler: app.handler
      Role: !GetAtt FunctionRole.Arn
      MemorySize: @memory@
      Code:
        ZipFile: |
          def handler(event, context):
              return {"statusCode": 200}
""",
    "security_group": """  SecurityGroup:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: !Sub "Traffic for @name@ in ${Environment}"
      VpcId: vpc-0a1b2c3d
      SecurityGroupIngress:
        - IpProtocol: tcp
          FromPort: 443
          ToPort: 443
          CidrIp: 10.0.0.0/8
""",
}

OUTPUTS: dict[str, str] = {
    "s3": "  BucketArn:\n    Value: !GetAtt Bucket.Arn\n",
    "queue": "  QueueUrl:\n    Value: !Ref Queue\n",
    "topic": "  TopicArn:\n    Value: !Ref Topic\n",
    "dynamodb": "  TableName:\n    Value: !Ref Table\n",
    "role": "  RoleArn:\n    Value: !GetAtt Role.Arn\n",
    "lambda": "  FunctionArn:\n    Value: !GetAtt Function.Arn\n",
    "security_group": "  SecurityGroupId:\n    Value: !Ref SecurityGroup\n",
}

WINDOW_PARAMETER = """  PendingWindow:
    Type: Number
    Default: @days@
    MinValue: 7
    MaxValue: 30
"""

KEY = """  DataKey:
    Type: AWS::KMS::Key
@policies@    Properties:
      Description: !Sub "${AWS::StackName} @purpose@ key"
@properties@      KeyPolicy:
        Version: "2012-10-17"
        Statement:
          - Sid: EnableRootAccess
            Effect: Allow
            Principal:
              AWS: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"
            Action: "kms:*"
            Resource: "*"
@statements@"""

DENY_NO_MFA = """          - Sid: DenyDeletionWithoutMFA
            Effect: Deny
            Principal:
              AWS: "*"
            Action:
              - kms:ScheduleKeyDeletion
              - kms:DisableKey
            Resource: "*"
            Condition:
              @operator@:
                aws:MultiFactorAuthPresent: "false"
"""

SERVICE_USE = """          - Sid: AllowServiceUse
            Effect: Allow
            Principal:
              Service: @service@.amazonaws.com
            Action:
              - kms:Encrypt
              - kms:Decrypt
              - kms:GenerateDataKey*
            Resource: "*"
"""

ALIAS = """  DataKeyAlias:
    Type: AWS::KMS::Alias
    Properties:
      AliasName: !Sub "alias/@name@-${Environment}"
      TargetKeyId: !Ref DataKey
"""

MONITORING = """  KmsDeletionFilter:
    Type: AWS::Logs::MetricFilter
    Properties:
      LogGroupName: cloudtrail/org
      FilterPattern: "{ ($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion)) }"
      MetricTransformations:
        - MetricName: KmsKeyDeletion
          MetricNamespace: CISBenchmark
          MetricValue: "1"
  KmsDeletionAlarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      AlarmName: !Sub "${AWS::StackName}-kms-deletion"
      MetricName: KmsKeyDeletion
      Namespace: CISBenchmark
      Statistic: Sum
      Period: 300
      EvaluationPeriods: 1
      Threshold: 1
      ComparisonOperator: GreaterThanOrEqualToThreshold
  KmsDeletionRule:
    Type: AWS::Events::Rule
    Properties:
      EventPattern:
        source:
          - aws.kms
        detail-type:
          - AWS API Call via CloudTrail
        detail:
          eventName:
            - ScheduleKeyDeletion
            - DisableKey
      State: ENABLED
"""

SPECS: tuple[tuple[str | None, str | None], ...] = (
    (None, None), (None, None), (None, None), ("HMAC_256", "GENERATE_VERIFY_MAC"), ("RSA_3072", "SIGN_VERIFY"),
)


def render_template(rng: random.Random, index: int, kms_ratio: float, monitoring_ratio: float) -> tuple[str, bool]:
    """One template's YAML and whether it declares a KMS key."""
    theme = rng.choice(CFN_THEMES)
    name = f"stack-{index:05d}-{theme.replace('_', '-')}"
    parameters = [fill(ENV_PARAMETER, env=rng.choice(("dev", "staging", "prod")))]
    resources = [fill(RESOURCES[theme], name=name, timeout=rng.choice((30, 60, 300)),
                      memory=rng.choice((128, 256, 512)))]
    outputs = [OUTPUTS[theme]]
    has_key = spread(index, kms_ratio, 0.5)
    if has_key:
        key_text, window_parameter = render_key(rng)
        resources.append(key_text)
        if window_parameter:
            parameters.append(window_parameter)
        if rng.random() < 0.7:
            resources.append(fill(ALIAS, name=name))
            outputs.append("  KeyArn:\n    Value: !GetAtt DataKey.Arn\n")
    if spread(index, monitoring_ratio, 0.75):
        resources.append(MONITORING)
    text = fill(HEADER, description=f"{name} ({theme})", parameters="Parameters:\n" + "".join(parameters),
                resources="".join(resources), outputs="".join(outputs))
    return text, has_key


def render_key(rng: random.Random) -> tuple[str, str | None]:
    """(the AWS::KMS::Key resource text, a PendingWindow parameter when the window comes from one)."""
    properties: list[str] = []
    spec, usage = rng.choice(SPECS)
    if spec:
        properties += [f"      KeySpec: {spec}", f"      KeyUsage: {usage}"]
    rotation = rng.choice(("true", "true", "false", None))
    if rotation is not None:
        properties.append(f"      EnableKeyRotation: {rotation}")
    window_parameter = None
    window = rng.choice((7, 14, 30, None, "param"))
    if window == "param":
        window_parameter = fill(WINDOW_PARAMETER, days=rng.choice((7, 30)))
        properties.append("      PendingWindowInDays: !Ref PendingWindow")
    elif window is not None:
        properties.append(f"      PendingWindowInDays: {window}")
    statements = ""
    if rng.random() < 0.5:
        statements += fill(DENY_NO_MFA, operator=rng.choice(("Bool", "BoolIfExists")))
    if rng.random() < 0.5:
        statements += fill(SERVICE_USE, service=rng.choice(("logs", "sns", "s3")))
    policies = "    DeletionPolicy: Retain\n    UpdateReplacePolicy: Retain\n" if rng.random() < 0.4 else ""
    text = fill(KEY, policies=policies, purpose=rng.choice(("data", "backup", "signing")),
                properties="".join(line + "\n" for line in properties), statements=statements)
    return text, window_parameter
