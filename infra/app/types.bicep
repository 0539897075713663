// Types shared by main.bicep and the modules.

@export()
@description('Tags: the azd-env-name tag, and azd-service-name on the app.')
type tagsType = {
  @description('A tag value.')
  *: string
}

@export()
@description('One Azure OpenAI deployment and how the model router uses it: the settings Models:Tiers:{tier}:0:*.')
type modelTierType = {
  @description('Model name as the router and its token counter know it (Models:Tiers:{tier}:0:Model), and the model deployed.')
  model: string

  @description('Model version to deploy.')
  version: string

  @description('Deployment name (Models:Tiers:{tier}:0:Deployment).')
  deployment: string

  @description('Deployment SKU: GlobalStandard (widest availability), DataZoneStandard or Standard (data processed in the geography or region).')
  sku: ('GlobalStandard' | 'DataZoneStandard' | 'Standard')

  @description('Capacity in thousands of tokens per minute; must fit the subscription\'s quota in the region.')
  @minValue(1)
  capacity: int

  @description('USD per million input tokens, a decimal as a string (Bicep has no decimals).')
  inputPricePerMillion: string

  @description('USD per million output tokens, a decimal as a string.')
  outputPricePerMillion: string

  @description('Latency class the router reports.')
  latency: ('Fast' | 'Standard' | 'Slow')

  @description('Context window in tokens.')
  @minValue(1)
  contextTokens: int

  @description('The most sensitive data this deployment may receive (the deployment is in your own tenant).')
  maxSensitivity: ('Public' | 'Internal' | 'Confidential' | 'Restricted')

  @description('Ask for JSON-Schema structured outputs when a schema applies.')
  structuredOutputs: bool
}

@export()
@description('The router\'s three tiers, one Azure OpenAI deployment each.')
type modelTiersType = {
  @description('Planning, tool selection and summaries.')
  small: modelTierType

  @description('Code synthesis (the patch); asked for explicitly.')
  frontier: modelTierType

  @description('Large inputs, only with the requester\'s consent.')
  long_context: modelTierType
}

@export()
@description('The platform\'s blob containers (Storage:*Container).')
type platformContainersType = {
  @description('Hash-chained event log, one append blob per session.')
  events: string

  @description('Content-addressed payloads (claim checks).')
  payloads: string

  @description('Turn requests, turn-number reservations and turns-in-flight markers.')
  turns: string

  @description('Org daily token budgets.')
  budgets: string
}

@export()
@description('Names of the Key Vault secrets the platform reads (values are set after provisioning).')
type secretNamesType = {
  @description('Slack app signing secret.')
  slackSigningSecret: string

  @description('Slack bot token.')
  slackBotToken: string

  @description('GitHub token.')
  githubToken: string
}
