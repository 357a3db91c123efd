// Liftoff on Azure, as `azd up` provisions it: a resource group named after the azd environment, and in it
// everything infra/resources.bicep declares. The outputs land in the azd environment (.azure/<env>/.env);
// BOT_ID and BOT_DOMAIN are what `npm run package` reads, so `azd deploy` (which runs it) builds the Teams
// app package for this deployment.

targetScope = 'subscription'

@description('The azd environment name (AZURE_ENV_NAME); names the resource group and tags every resource.')
@minLength(1)
@maxLength(64)
param environmentName string

@description('Region for every resource (AZURE_LOCATION).')
param location string

@description('App Service plan SKU.')
param appServiceSku string = 'B1'

@description('Comma-separated tenant ids allowed to use the bot; empty allows every tenant.')
param allowedTenants string = ''

@description('Server secret (32+ characters) for the pseudonyms of anonymous retrospective entries. Keep it stable: changing it loses people\'s access to their own anonymous entries.')
@secure()
@minLength(32)
param retroPseudonymSecret string

var tags = { 'azd-env-name': environmentName }

resource group 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module liftoff 'resources.bicep' = {
  name: 'liftoff'
  scope: group
  params: {
    environmentName: environmentName
    location: location
    appServiceSku: appServiceSku
    allowedTenants: allowedTenants
    retroPseudonymSecret: retroPseudonymSecret
  }
}

output AZURE_LOCATION string = location
output AZURE_RESOURCE_GROUP string = group.name
@description('The bot\'s Microsoft App ID (the managed identity\'s client id), for npm run package.')
output BOT_ID string = liftoff.outputs.botId
@description('The web app\'s host name, for npm run package.')
output BOT_DOMAIN string = liftoff.outputs.botDomain
output COSMOS_ENDPOINT string = liftoff.outputs.cosmosEndpoint
output SERVICE_LIFTOFF_NAME string = liftoff.outputs.appName
