import { initializeApp } from 'firebase/app';

const firebaseConfig = {
  apiKey: "AIzarD13HNzUdMoDbF9jJHRimuSnqx44qBe8YiU",
  authDomain: "orbit-pay.firebaseapp.com",
  projectId: "orbit-pay",
  appId: "1:408333588853:web:1400485df2929ff72dc592",
};
export const app = initializeApp(firebaseConfig);
