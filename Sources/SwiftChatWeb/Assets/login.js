// Sign-in by phone number and one-time code. In dev mode the server answers the code itself
// (`raw_otp`), and the page shows it, as the original's client did.

import * as api from "./api.js";
import { $, h, showError } from "./dom.js";
import { errorText } from "./format.js";

// The users `swiftchat serve` seeds in dev mode (Sources/SwiftChatCore/Services/Seeder.swift).
const DEMO_USERS = [
  ["Alice Smith", "+917809772989"], ["Rahul Sharma", "+917909772989"], ["Maria Garcia", "+918744964282"],
  ["Chen Wang", "+918474964282"], ["John Doe", "+917209779890"],
];

let phone = "";

export function showLogin(onSignedIn) {
  $("app-view").hidden = true;
  $("login-view").hidden = false;
  $("login-phone").value = "";
  $("login-code").value = "";
  showStep("phone");
  const form = $("login-form");
  form.onsubmit = async (event) => {
    event.preventDefault();
    if ($("code-step").hidden) await askForCode();
    else await signIn(onSignedIn);
  };
  $("login-back").onclick = () => showStep("phone");
  $("demo-users").replaceChildren(...DEMO_USERS.map(([name, number]) => h("li", {},
    h("button", { type: "button", class: "link", onclick: () => { $("login-phone").value = number; $("login-phone").focus(); } },
      `${name} · ${number}`))));
  $("login-phone").focus();
}

function showStep(step) {
  $("phone-step").hidden = step !== "phone";
  $("code-step").hidden = step !== "code";
  $("login-phone").required = step === "phone";
  $("login-code").required = step === "code";
  showError($("login-error"), null);
  (step === "phone" ? $("login-phone") : $("login-code")).focus();
}

async function askForCode() {
  phone = $("login-phone").value.replace(/[\s()-]/g, "");
  if (!phone) return showError($("login-error"), "Enter your phone number, with its country code (+91…).");
  const button = $("login-send");
  button.disabled = true;
  try {
    const reply = await api.requestCode(phone);
    showStep("code");
    showDevCode(reply.raw_otp);
  } catch (error) {
    const reasons = error.body?.non_field_errors;
    if (Array.isArray(reasons) && reasons[0] === "NOT_EXPIRED") {
      // A code sent less than its lifetime ago is still the one to use.
      showStep("code");
      showDevCode(sessionStorage.getItem(`swiftchat.code.${phone}`));
      showError($("login-error"), `A code was sent to this number moments ago: use it, or ask again in ${reasons[1]} s.`);
    } else {
      showError($("login-error"), errorText(error.body, "The code could not be sent."));
    }
  } finally {
    button.disabled = false;
  }
}

function showDevCode(code) {
  const note = $("dev-code");
  note.hidden = !code;
  if (!code) return;
  sessionStorage.setItem(`swiftchat.code.${phone}`, code);
  note.textContent = `Dev mode: the server sent the code ${code}.`;
  $("login-code").value = code;
}

async function signIn(onSignedIn) {
  const code = $("login-code").value.trim();
  if (!/^\d+$/.test(code)) return showError($("login-error"), "The code is the digits you were sent.");
  const button = $("login-verify");
  button.disabled = true;
  try {
    const tokens = await api.verifyCode(phone, code);
    sessionStorage.removeItem(`swiftchat.code.${phone}`);
    api.session.save({ access: tokens.access_token, refresh: tokens.refresh_token, phone });
    $("login-code").value = "";
    onSignedIn();
  } catch (error) {
    showError($("login-error"), error.status === 400 ? "That code is wrong or has expired. Ask for a new one." : errorText(error.body));
  } finally {
    button.disabled = false;
  }
}
