// The caller's profile (names and email; the phone number is fixed), who may see and find them,
// and signing out.

import * as api from "./api.js";
import { $, showError, toast } from "./dom.js";
import { errorText } from "./format.js";
import { changed, state } from "./state.js";

export function wireProfile({ onSignOut }) {
  $("profile-button").onclick = () => {
    const me = state.me;
    if (!me) return;
    $("profile-phone").textContent = `Phone: ${me.phone_number}`;
    $("profile-first").value = me.first_name ?? "";
    $("profile-last").value = me.last_name ?? "";
    $("profile-email").value = me.email ?? "";
    showError($("profile-error"), null);
    api.presenceSetting().then((setting) => { $("profile-show-presence").checked = !setting.hidden; }).catch(() => {});
    api.privacySetting().then((setting) => { $("profile-findable-by-phone").checked = setting.searchable_by_phone !== false; }).catch(() => {});
    $("profile-dialog").showModal();
  };
  $("profile-form").onsubmit = async (event) => {
    event.preventDefault();
    const email = $("profile-email").value.trim();
    try {
      state.me = await api.updateMe({
        first_name: $("profile-first").value.trim(), last_name: $("profile-last").value.trim(), email: email || null,
      });
      await api.setPresenceHidden(!$("profile-show-presence").checked);
      await api.setSearchableByPhone($("profile-findable-by-phone").checked);
      $("profile-dialog").close();
      toast("Profile saved.");
      changed("conversations");
    } catch (error) {
      showError($("profile-error"), errorText(error.body, "The profile could not be saved."));
    }
  };
  $("logout-button").onclick = () => {
    $("profile-dialog").close();
    onSignOut();
  };
}
