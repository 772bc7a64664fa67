/// The web client's files, by the name they are served under: `index.html` at `/`, everything
/// else at `/assets/<name>`. SwiftPM embeds each file of `Assets/` as bytes (`PackageResources`);
/// a test checks that this list names every one of them.
public enum WebClientAssets {
    public static let page = "index.html"

    public static let all: [String: WebAsset] = Dictionary(uniqueKeysWithValues: [
        WebAsset(name: "index.html", bytes: PackageResources.index_html),
        WebAsset(name: "app.css", bytes: PackageResources.app_css),
        WebAsset(name: "icon.svg", bytes: PackageResources.icon_svg),
        WebAsset(name: "main.js", bytes: PackageResources.main_js),
        WebAsset(name: "api.js", bytes: PackageResources.api_js),
        WebAsset(name: "stream.js", bytes: PackageResources.stream_js),
        WebAsset(name: "state.js", bytes: PackageResources.state_js),
        WebAsset(name: "dom.js", bytes: PackageResources.dom_js),
        WebAsset(name: "format.js", bytes: PackageResources.format_js),
        WebAsset(name: "login.js", bytes: PackageResources.login_js),
        WebAsset(name: "sidebar.js", bytes: PackageResources.sidebar_js),
        WebAsset(name: "chat.js", bytes: PackageResources.chat_js),
        WebAsset(name: "attachments.js", bytes: PackageResources.attachments_js),
        WebAsset(name: "people.js", bytes: PackageResources.people_js),
        WebAsset(name: "search.js", bytes: PackageResources.search_js),
        WebAsset(name: "profile.js", bytes: PackageResources.profile_js),
        WebAsset(name: "group.js", bytes: PackageResources.group_js),
        // The admin site's style sheet (its pages are server-rendered; see SwiftChatServer/Admin).
        WebAsset(name: "admin.css", bytes: PackageResources.admin_css),
    ].map { ($0.name, $0) })
}
