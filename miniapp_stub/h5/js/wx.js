// A stand-in for the mini-program's `wx` APIs, backed by the browser and our API.
import { Vue, vant } from "./vendor.js";
import { api } from "./api.js";

const CODE_KEY = "qe.code";

/** The login code: `/app/?code=` picks it (fake WeChat only), else one per browser. */
function loginCode() {
  const given = new URLSearchParams(location.search).get("code");
  if (given) {
    localStorage.setItem(CODE_KEY, given);
    return given;
  }
  let code = localStorage.getItem(CODE_KEY);
  if (!code) {
    const bytes = crypto.getRandomValues(new Uint8Array(8));
    code = `h5-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
    localStorage.setItem(CODE_KEY, code);
  }
  return code;
}

// --- scanCode: the camera with BarcodeDetector where available, else a typed code ----

const scanner = Vue.reactive({ show: false, camera: false, typed: "", resolve: null, reject: null });
let stream = null;

function finishScan(result, error) {
  const { resolve, reject } = scanner;
  scanner.show = false;
  scanner.resolve = scanner.reject = null;
  if (stream) {
    stream.getTracks().forEach((track) => track.stop());
    stream = null;
  }
  if (error) reject?.(error);
  else resolve?.(result);
}

async function startCamera(video) {
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices?.getUserMedia) return false;
  try {
    const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    video.srcObject = stream;
    await video.play();
    const tick = async () => {
      if (!scanner.show || !stream) return;
      try {
        const codes = await detector.detect(video);
        if (codes.length) return finishScan({ result: codes[0].rawValue, scanType: "QR_CODE" });
      } catch (err) {
        /* a frame the detector could not read: try the next one */
      }
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    return true;
  } catch (err) {
    return false; // no camera or no permission: the typed code remains
  }
}

/** The scanner sheet, mounted once by the app shell. */
export const ScanSheet = {
  template: `
    <van-popup v-model:show="scanner.show" position="bottom" round :close-on-click-overlay="false"
               class="scan-sheet" @opened="opened">
      <div class="scan-title">扫一扫</div>
      <video v-show="scanner.camera" ref="video" class="scan-video" muted playsinline></video>
      <p v-if="!scanner.camera" class="scan-hint">未能打开相机，请输入码下方的编号</p>
      <van-field v-model.trim="scanner.typed" data-testid="scan-input" label="编号"
                 placeholder="输入或粘贴二维码内容" clearable @keyup.enter="submit" />
      <div class="scan-actions">
        <van-button block plain @click="cancel">取消</van-button>
        <van-button block type="primary" data-testid="scan-submit" :disabled="!scanner.typed" @click="submit">确定</van-button>
      </div>
    </van-popup>`,
  setup() {
    const video = Vue.ref(null);
    return {
      scanner,
      video,
      async opened() {
        scanner.camera = await startCamera(video.value);
      },
      submit() {
        if (scanner.typed) finishScan({ result: scanner.typed, scanType: "MANUAL" });
      },
      cancel() {
        finishScan(null, { errMsg: "scanCode:fail cancel" });
      },
    };
  },
};

// --- subscribe messages -----------------------------------------------------------

async function requestSubscribeMessage({ tmplIds } = {}) {
  const templates = (await api.get("/notifications/templates")).items;
  const wanted = tmplIds?.length ? tmplIds : [...new Set(templates.map((t) => t.template_id))];
  const titles = [...new Set(templates.filter((t) => wanted.includes(t.template_id)).map((t) => t.title))];
  try {
    await vant.showConfirmDialog({
      title: "订阅消息",
      message: `允许「勤e家」向你发送以下消息？\n${titles.slice(0, 6).join("、")}`,
      confirmButtonText: "允许",
      cancelButtonText: "拒绝",
    });
  } catch (err) {
    return Object.fromEntries(wanted.map((id) => [id, "reject"]));
  }
  const accepted = wanted.slice(0, 10);
  await api.post("/notifications/subscriptions", { template_ids: accepted });
  return { errMsg: "requestSubscribeMessage:ok", ...Object.fromEntries(accepted.map((id) => [id, "accept"])) };
}

export const wx = {
  /** Resolves to {code} like the real wx.login. */
  async login() {
    return { code: loginCode(), errMsg: "login:ok" };
  },
  /** Resolves to {result, scanType}; rejects with {errMsg} when cancelled. */
  scanCode() {
    return new Promise((resolve, reject) => {
      Object.assign(scanner, { show: true, camera: false, typed: "", resolve, reject });
    });
  },
  /**
   * WeChat Pay stand-in: takes the real wx.requestPayment arguments (timeStamp, nonceStr,
   * package "prepay_id=…", signType, paySign) plus totalFen/description for the sheet.
   * The user confirms the amount; the fake WeChat Pay (its address from
   * GET /api/v1/dev/wechat) is told to pay that prepay id, and sends the backend its
   * signed notification — the card is activated by that, never by this call.
   */
  async requestPayment({ package: pkg, totalFen, description } = {}) {
    await vant.showConfirmDialog({
      title: "微信支付",
      message: `${description || "支付"}\n¥${((totalFen || 0) / 100).toFixed(2)}`,
      confirmButtonText: "确认支付",
    }).catch(() => {
      throw { errMsg: "requestPayment:fail cancel" };
    });
    const prepayId = String(pkg || "").replace(/^prepay_id=/, "");
    const fakes = await fetch("/api/v1/dev/wechat").then((r) => (r.ok ? r.json() : null));
    if (!prepayId || !fakes?.pay_base) throw { errMsg: "requestPayment:fail no fake WeChat Pay" };
    const response = await fetch(`${fakes.pay_base}/confirm`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ prepay_id: prepayId }),
    });
    if (!response.ok) throw { errMsg: "requestPayment:fail" };
    return { errMsg: "requestPayment:ok" };
  },
  requestSubscribeMessage,
  /** Like wx.chooseMedia for one image: camera or album through a file input. */
  chooseImage({ camera = false } = {}) {
    return new Promise((resolve) => {
      const input = document.createElement("input");
      input.type = "file";
      input.accept = "image/*";
      if (camera) input.capture = "environment";
      input.onchange = () => resolve(input.files[0] || null);
      input.click();
    });
  },
};

window.wx = wx;
