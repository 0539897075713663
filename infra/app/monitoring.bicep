// Log Analytics and workspace-based Application Insights. Local (instrumentation key) auth is off: the app sends
// telemetry with Entra ID as the managed identity, which rbac.bicep makes a Monitoring Metrics Publisher.

import { tagsType } from 'types.bicep'

@description('Log Analytics workspace name.')
param logAnalyticsName string

@description('Application Insights name.')
param appInsightsName string

@description('Region.')
param location string

@description('Tags.')
param tags tagsType

@description('Days Log Analytics keeps data.')
@minValue(30)
param retentionInDays int = 30

resource workspace 'Microsoft.OperationalInsights/workspaces@2025-07-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    DisableLocalAuth: true
  }
}

@description('Application Insights name.')
output appInsightsName string = appInsights.name

@description('Connection string (not a secret: with local auth off it only says where to send, Entra ID authorizes).')
output connectionString string = appInsights.properties.ConnectionString

@description('Log Analytics workspace name.')
output logAnalyticsName string = workspace.name
