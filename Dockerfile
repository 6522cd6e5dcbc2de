# PeerBot container image.
#   docker build -t peerbot .
#   docker run -v peerbot-data:/data -v peerbot-keys:/keys -e PeerBot__Discord__Token=... -e PeerBot__Discord__GuildId=... peerbot
# No secret is baked in: tokens come from the environment at run time.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
# CI runs this same publish command (.ci/run reads it from this file).
RUN dotnet publish src/PeerBot/PeerBot.csproj -c Release -o /app/publish

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app/publish .
# The database lives on /data and the anonymity key on a separate volume, /keys, so a copy or backup of one never
# carries the other (with both, anyone can tell who wrote each stored anonymous post). Both are owned by the
# non-root user the image provides and closed to everyone else.
RUN mkdir -p /data /keys && chown "$APP_UID" /data /keys && chmod 700 /data /keys
VOLUME /data
VOLUME /keys
ENV PeerBot__Storage__Path=/data/peerbot.db \
    PeerBot__Anonymity__KeyPath=/keys/anonymity.key \
    PeerBot__Sandbox__StoragePath=/data/sandbox.db \
    DOTNET_ENVIRONMENT=Production
USER $APP_UID
ENTRYPOINT ["dotnet", "peerbot.dll"]
CMD ["run"]
