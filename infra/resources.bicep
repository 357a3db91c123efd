// Liftoff's resources in one resource group (infra/main.bicep creates the group and calls this): App Service
// (Linux, Node 22) behind an Azure Bot with the Teams channel, a user-assigned managed identity for both the bot
// (no secret) and Cosmos DB (data-plane RBAC, keys disabled), the Cosmos DB database and containers Liftoff
// expects, and Log Analytics with Application Insights wired to the app.

targetScope = 'resourceGroup'

@description('The azd environment name; every resource carries it as the azd-env-name tag.')
param environmentName string

@description('Region for every resource.')
param location string = resourceGroup().location

@description('App Service plan SKU.')
param appServiceSku string = 'B1'

@description('Comma-separated tenant ids allowed to use the bot; empty allows every tenant.')
param allowedTenants string = ''

@description('Server secret (32+ characters) for the pseudonyms of anonymous retrospective entries. Keep it stable: changing it loses people\'s access to their own anonymous entries.')
@secure()
@minLength(32)
param retroPseudonymSecret string

@description('The service name in azure.yaml that azd deploys to the web app.')
param serviceName string = 'liftoff'

var suffix = uniqueString(subscription().id, resourceGroup().id, environmentName)
var baseName = 'liftoff'
var appName = '${baseName}-${suffix}'
var databaseName = 'liftoff'
var tags = { 'azd-env-name': environmentName }

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${baseName}-id-${suffix}'
  location: location
  tags: tags
}

resource cosmos 'Microsoft.DocumentDB/databaseAccounts@2024-05-15' = {
  name: '${baseName}-cosmos-${suffix}'
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    disableLocalAuth: true
    consistencyPolicy: { defaultConsistencyLevel: 'Session' }
    locations: [ { locationName: location, failoverPriority: 0, isZoneRedundant: false } ]
    capabilities: [ { name: 'EnableServerless' } ]
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-05-15' = {
  parent: cosmos
  name: databaseName
  properties: { resource: { id: databaseName } }
}

// Everything about one workload lives in one logical partition.
resource workloads 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-05-15' = {
  parent: database
  name: 'workloads'
  properties: { resource: { id: 'workloads', partitionKey: { paths: [ '/workloadId' ], kind: 'Hash' } } }
}

resource conversations 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-05-15' = {
  parent: database
  name: 'conversations'
  properties: { resource: { id: 'conversations', partitionKey: { paths: [ '/id' ], kind: 'Hash' } } }
}

// Change communication: one sender lease per tenant and the outbox of notices with work to do.
resource broadcast 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-05-15' = {
  parent: database
  name: 'broadcast'
  properties: { resource: { id: 'broadcast', partitionKey: { paths: [ '/id' ], kind: 'Hash' } } }
}

// Cosmos DB Built-in Data Contributor: read and write items, no control-plane rights.
resource dataContributor 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-05-15' = {
  parent: cosmos
  name: guid(cosmos.id, identity.id, '00000000-0000-0000-0000-000000000002')
  properties: {
    principalId: identity.properties.principalId
    roleDefinitionId: '${cosmos.id}/sqlRoleDefinitions/00000000-0000-0000-0000-000000000002'
    scope: cosmos.id
  }
}

// Logs and telemetry: a workspace (pay per GB ingested) and a workspace-based Application Insights resource.
resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${baseName}-logs-${suffix}'
  location: location
  tags: tags
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 30
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${baseName}-insights-${suffix}'
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
  }
}

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: '${baseName}-plan-${suffix}'
  location: location
  tags: tags
  kind: 'linux'
  sku: { name: appServiceSku }
  properties: { reserved: true }
}

resource app 'Microsoft.Web/sites@2023-12-01' = {
  name: appName
  location: location
  // azd deploys the service of this name (azure.yaml) to the app that carries the tag.
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'app,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      linuxFxVersion: 'NODE|22-lts'
      // The compiled build, started by Node itself so App Service's SIGTERM reaches Liftoff's shutdown.
      appCommandLine: 'node dist/bot/index.js'
      alwaysOn: true
      ftpsState: 'Disabled'
      minTlsVersion: '1.2'
      healthCheckPath: '/healthz'
      appSettings: [
        { name: 'MICROSOFT_APP_ID', value: identity.properties.clientId }
        { name: 'MICROSOFT_APP_TYPE', value: 'UserAssignedMSI' }
        { name: 'MICROSOFT_APP_TENANT_ID', value: identity.properties.tenantId }
        { name: 'AZURE_CLIENT_ID', value: identity.properties.clientId }
        { name: 'COSMOS_ENDPOINT', value: cosmos.properties.documentEndpoint }
        { name: 'COSMOS_DATABASE', value: databaseName }
        { name: 'ALLOWED_TENANTS', value: allowedTenants }
        { name: 'RETRO_PSEUDONYM_SECRET', value: retroPseudonymSecret }
        { name: 'PORT', value: '8080' }
        { name: 'WEBSITES_PORT', value: '8080' }
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: insights.properties.ConnectionString }
        // The deployment runs npm install and npm run build (dist/) on App Service, for its Linux and Node.
        { name: 'SCM_DO_BUILD_DURING_DEPLOYMENT', value: 'true' }
      ]
    }
  }
  dependsOn: [ workloads, conversations, broadcast, dataContributor ]
}

resource bot 'Microsoft.BotService/botServices@2022-09-15' = {
  name: '${baseName}-bot-${suffix}'
  location: 'global'
  tags: tags
  kind: 'azurebot'
  sku: { name: 'F0' }
  properties: {
    displayName: 'Liftoff'
    endpoint: 'https://${app.properties.defaultHostName}/api/messages'
    msaAppType: 'UserAssignedMSI'
    msaAppId: identity.properties.clientId
    msaAppMSIResourceId: identity.id
    msaAppTenantId: identity.properties.tenantId
  }
}

resource teams 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: bot
  name: 'MsTeamsChannel'
  location: 'global'
  properties: {
    channelName: 'MsTeamsChannel'
    properties: { isEnabled: true }
  }
}

output botId string = identity.properties.clientId
output botDomain string = app.properties.defaultHostName
output cosmosEndpoint string = cosmos.properties.documentEndpoint
output appName string = app.name
